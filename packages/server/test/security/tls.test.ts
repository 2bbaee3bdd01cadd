/**
 * TLS: one server on one port speaks HTTP/2 to SSE and API clients and HTTP/1.1 to WebSocket
 * upgrades and older clients, with a self-signed certificate made for the test.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { request as httpsRequest } from 'node:https'
import { connect, type ClientHttp2Session } from 'node:http2'
import { after, before, describe, it } from 'node:test'
import { ConfigError, resolveOptions } from '../../src/config/load.js'
import { Switchboard } from '../../src/server.js'
import { makeCertificate, type Certificate } from '../helpers/certificate.js'
import { API_KEY, startChild, startServer, testConfig, type TestServer } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'

describe('TLS and HTTP/2', () => {
  let certificate: Certificate
  let server: TestServer
  let base: string
  let session: ClientHttp2Session

  before(async () => {
    certificate = makeCertificate()
    server = await startServer({
      tls: { certFile: certificate.certFile, keyFile: certificate.keyFile },
    })
    base = `https://127.0.0.1:${server.port}`
    session = connect(base, { ca: certificate.cert })
    session.on('error', () => {})
  })
  after(async () => {
    session.close()
    await server.stop()
    certificate.remove()
  })

  it('serves a wss:// WebSocket: subscribe, then receive a publication', async () => {
    const client = await TestClient.connect(`wss://127.0.0.1:${server.port}/ws`, {
      ca: certificate.cert,
    })
    const reply = await client.request({ action: 'subscribe', channel: 'secure' })
    assert.equal(reply.error, undefined)
    await client.request({ action: 'publish', channel: 'secure', data: { n: 1 } })
    const message = await client.waitFrame((f) => f.type === 'message')
    assert.deepEqual(message.data, { n: 1 })
    client.close()
  })

  it('streams SSE over HTTP/2 and publishes with an HTTP/2 POST on the same session', async () => {
    const stream = session.request({ ':path': '/sse?channel=h2', accept: 'text/event-stream' })
    const [headers] = (await once(stream, 'response')) as [Record<string, unknown>]
    assert.equal(headers[':status'], 200)
    assert.match(String(headers['content-type']), /^text\/event-stream/)
    let text = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => (text += chunk))
    await waitFor(() => text.includes('$subscribed'), { message: 'the $subscribed event' })

    const post = session.request({
      ':method': 'POST',
      ':path': '/v1/publish',
      authorization: `Bearer ${API_KEY}`,
      'content-type': 'application/json',
    })
    post.end(JSON.stringify({ channel: 'h2', event: 'tick', data: { over: 'h2' } }))
    const [postHeaders] = (await once(post, 'response')) as [Record<string, unknown>]
    let body = ''
    post.setEncoding('utf8')
    for await (const chunk of post) body += chunk as string
    assert.equal(postHeaders[':status'], 200)
    assert.equal((JSON.parse(body) as { offset: number }).offset, 1)

    await waitFor(() => text.includes('event: tick'), { message: 'the published event' })
    assert.match(text, /event: tick\ndata: \{"over":"h2"\}/)
    stream.close()
  })

  it('runs a client request over HTTP/2', async () => {
    const post = session.request({
      ':method': 'POST',
      ':path': '/client/request',
      'content-type': 'application/json',
      origin: 'https://app.test',
    })
    post.end(JSON.stringify({ id: 7, action: 'publish', channel: 'h2-client', data: 'hi' }))
    const [headers] = (await once(post, 'response')) as [Record<string, unknown>]
    let body = ''
    post.setEncoding('utf8')
    for await (const chunk of post) body += chunk as string
    assert.equal(headers[':status'], 200)
    assert.equal(headers['access-control-allow-origin'], 'https://app.test')
    assert.equal((JSON.parse(body) as { id: number }).id, 7)
  })

  it('still answers HTTP/1.1 over https', async () => {
    const { status, body, version } = await new Promise<{
      status: number
      body: string
      version: string
    }>((resolve, reject) => {
      const request = httpsRequest(`${base}/healthz`, { ca: certificate.cert }, (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (text += chunk))
        response.on('end', () =>
          resolve({ status: response.statusCode!, body: text, version: response.httpVersion }),
        )
      })
      request.on('error', reject)
      request.end()
    })
    assert.equal(version, '1.1')
    assert.equal(status, 200)
    assert.deepEqual(JSON.parse(body), { status: 'ok' })
  })

  it('refuses a config with only one of certificate and key, naming the missing field', () => {
    assert.throws(
      () => resolveOptions(testConfig({ tls: { certFile: certificate.certFile } })),
      (error: Error) => error instanceof ConfigError && /tls\.keyFile/.test(error.message),
    )
    assert.throws(
      () => resolveOptions(testConfig({ tls: { keyFile: certificate.keyFile } })),
      (error: Error) => error instanceof ConfigError && /tls\.certFile/.test(error.message),
    )
  })

  it('fails to start on an unreadable certificate, naming the field', async () => {
    const options = resolveOptions(
      testConfig({ tls: { certFile: '/nonexistent/cert.pem', keyFile: certificate.keyFile } }),
    )
    await assert.rejects(
      Switchboard.create(options),
      (error: Error) => error instanceof ConfigError && /tls\.certFile/.test(error.message),
    )
  })

  it('serves https:// from the command line with --tls-cert and --tls-key', async () => {
    const child = await startChild([
      '--port',
      '0',
      '--memory',
      '--tls-cert',
      certificate.certFile,
      '--tls-key',
      certificate.keyFile,
    ])
    try {
      assert.match(child.stdout(), /listening on https:\/\//)
      assert.match(child.stdout(), /wss:\/\//)
    } finally {
      await child.kill()
    }
  })
})
