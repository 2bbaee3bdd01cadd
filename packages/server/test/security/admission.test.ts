/**
 * Per-IP admission: a connection flood from one address is cut at the burst and at the
 * concurrent limit with 429 `rate_limited` before the WebSocket upgrade, while other
 * addresses, the same address after the refill, and clients already connected are unaffected.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { handshake, type HandshakeResult } from '../helpers/handshake.js'
import { apiGet, apiPost, startServer } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'

function from(address: string) {
  return { headers: { 'X-Forwarded-For': `198.51.100.7, ${address}` } }
}

function opened(results: HandshakeResult[]): HandshakeResult[] {
  return results.filter((result) => result.status === 101)
}

describe('per-IP admission', () => {
  it('cuts a flood from one address; others connect, subscribers keep receiving', async (t) => {
    const server = await startServer({
      security: { trustProxy: true },
      limits: {
        newConnectionsBurstPerIp: 4,
        newConnectionsPerSecondPerIp: 1,
        maxConnectionsPerIp: 6,
      },
    })
    t.after(() => server.stop())
    const subscriber = await TestClient.connect(server.wsUrl, from('203.0.113.9'))
    await subscriber.request({ action: 'subscribe', channel: 'feed' })
    let published = 0
    const publisher = setInterval(() => {
      published++
      void apiPost(`${server.url}/v1/publish`, { channel: 'feed', data: published })
    }, 20)
    t.after(() => clearInterval(publisher))

    const flood = await Promise.all(
      Array.from({ length: 20 }, () => handshake(server.wsUrl, from('203.0.113.1'))),
    )
    // The burst of 4, plus one refilled token if the flood took over a second on a slow machine.
    const admitted = opened(flood)
    assert.ok(admitted.length >= 4 && admitted.length <= 5, `${admitted.length} admitted`)
    const refused = flood.find((result) => result.status !== 101)!
    assert.equal(refused.status, 429)
    assert.equal(JSON.parse(refused.body).error.code, 'rate_limited')
    assert.match(JSON.parse(refused.body).error.message, /newConnectionsPerSecondPerIp/)
    assert.ok(Number(refused.headers['retry-after']) >= 1, 'a Retry-After header')
    const metrics = await apiGet(`${server.url}/metrics`, null)
    assert.match(metrics.body, /switchboard_admission_refusals_total 1[0-6]\n/)

    const other = await handshake(server.wsUrl, from('203.0.113.2'))
    assert.equal(other.status, 101, 'another address connects during the flood')
    other.ws?.close()

    await new Promise((resolve) => setTimeout(resolve, 1_100))
    const afterRefill = await handshake(server.wsUrl, from('203.0.113.1'))
    assert.equal(afterRefill.status, 101, 'the same address connects after the refill')

    clearInterval(publisher)
    await waitFor(() => subscriber.messages('feed').length === published, {
      message: 'every publication at the subscriber',
    })
    assert.equal(subscriber.closeCode, undefined)
    for (const result of [...admitted, afterRefill]) result.ws?.close()
    subscriber.close()
  })

  it('caps connections open at once per address, WebSocket and SSE together', async (t) => {
    const server = await startServer({
      limits: { newConnectionsBurstPerIp: 100, maxConnectionsPerIp: 3 },
    })
    t.after(() => server.stop())
    const sockets = [await handshake(server.wsUrl), await handshake(server.wsUrl)]
    const controller = new AbortController()
    const stream = await fetch(`${server.url}/sse?channel=a`, { signal: controller.signal })
    assert.equal(stream.status, 200)

    const fourth = await handshake(server.wsUrl)
    assert.equal(fourth.status, 429)
    assert.match(JSON.parse(fourth.body).error.message, /maxConnectionsPerIp\) is 3/)
    const sse = await fetch(`${server.url}/sse?channel=b`)
    assert.equal(sse.status, 429)
    assert.equal(((await sse.json()) as any).error.code, 'rate_limited')

    controller.abort()
    let freed: HandshakeResult | undefined
    await waitFor(async () => (freed = await handshake(server.wsUrl)).status === 101, {
      message: 'a free slot once the stream closed',
    })
    freed?.ws?.close()
    for (const socket of sockets) socket.ws?.close()
  })

  it('ignores X-Forwarded-For unless security.trustProxy is on', async (t) => {
    const server = await startServer({ limits: { newConnectionsBurstPerIp: 3 } })
    t.after(() => server.stop())
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => handshake(server.wsUrl, from(`203.0.113.${i}`))),
    )
    assert.ok(opened(results).length <= 4, 'forged addresses do not bypass the limit')
    for (const result of results) result.ws?.close()
  })
})
