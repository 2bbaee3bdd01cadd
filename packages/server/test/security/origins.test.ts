/**
 * The origin allowlist: a page on a foreign origin cannot open a WebSocket, an SSE stream or a
 * client request, while allowed origins, wildcard subdomains and non-browser clients (no
 * Origin header) can; CORS answers preflights for allowed origins only.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ConfigError, resolveOptions } from '../../src/config/load.js'
import { handshake } from '../helpers/handshake.js'
import { apiGet, startServer, testConfig, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

describe('origin allowlist', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({
      security: { allowedOrigins: ['https://app.test', 'https://*.example.com'] },
    })
  })
  after(() => server.stop())

  it('refuses a WebSocket upgrade from a foreign origin with 403 origin_not_allowed', async () => {
    for (const origin of ['https://evil.test', 'https://evilexample.com', 'http://app.test']) {
      const { status, body } = await handshake(server.wsUrl, { origin })
      assert.equal(status, 403, origin)
      assert.equal(JSON.parse(body).error.code, 'origin_not_allowed', origin)
    }
    const metrics = await apiGet(`${server.url}/metrics`, null)
    assert.match(metrics.body, /switchboard_origin_refusals_total [3-9]\n/)
  })

  it('lets an exact origin, a wildcard subdomain and a client without Origin connect', async () => {
    for (const origin of ['https://app.test', 'https://eu.example.com', undefined]) {
      const result = await handshake(server.wsUrl, origin === undefined ? {} : { origin })
      assert.equal(result.status, 101, String(origin))
      result.ws?.close()
    }
    const client = await TestClient.connect(server.wsUrl, { origin: 'https://a.b.example.com' })
    const reply = await client.request({ action: 'subscribe', channel: 'origins' })
    assert.equal(reply.error, undefined)
    client.close()
  })

  it('refuses SSE and client requests from a foreign origin', async () => {
    const sse = await fetch(`${server.url}/sse?channel=x`, {
      headers: { Origin: 'https://evilexample.com' },
    })
    assert.equal(sse.status, 403)
    assert.equal(((await sse.json()) as any).error.code, 'origin_not_allowed')

    const request = await fetch(`${server.url}/client/request`, {
      method: 'POST',
      headers: { Origin: 'https://evil.test', 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 1, action: 'publish', channel: 'x', data: 1 }),
    })
    assert.equal(request.status, 403)
    assert.equal(((await request.json()) as any).error.code, 'origin_not_allowed')
  })

  it('answers a CORS preflight for an allowed origin, and echoes it on responses', async () => {
    const preflight = await fetch(`${server.url}/v1/publish`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://eu.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type',
      },
    })
    assert.equal(preflight.status, 204)
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://eu.example.com')
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/)
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Content-Type/)
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/)
    assert.match(preflight.headers.get('vary') ?? '', /Origin/)

    const controller = new AbortController()
    const stream = await fetch(`${server.url}/sse?channel=cors`, {
      headers: { Origin: 'https://app.test' },
      signal: controller.signal,
    })
    assert.equal(stream.status, 200)
    assert.equal(stream.headers.get('access-control-allow-origin'), 'https://app.test')
    controller.abort()

    const foreign = await fetch(`${server.url}/client/request`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.test', 'Access-Control-Request-Method': 'POST' },
    })
    assert.equal(foreign.status, 403)
    assert.equal(foreign.headers.get('access-control-allow-origin'), null)
  })

  it('refuses a malformed allowlist entry at start, naming it', () => {
    assert.throws(
      () => resolveOptions(testConfig({ security: { allowedOrigins: ['https://ok.test/path'] } })),
      (error: Error) =>
        error instanceof ConfigError && /security\.allowedOrigins\.0/.test(error.message),
    )
  })
})
