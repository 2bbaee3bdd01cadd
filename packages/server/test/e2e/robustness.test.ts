/** Slow consumers and dead connections: neither may hurt anyone else. */
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { describe, it } from 'node:test'
import { CloseCode } from '@switchboard/protocol'
import { apiGet, startServer } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'

describe('robustness', () => {
  it('disconnects a slow consumer with 4002 while a fast one receives everything', async (t) => {
    // The queue cap is well above one burst of the publisher, so only the paused reader,
    // whose kernel buffers fill up, goes over it.
    const server = await startServer({
      // The publisher floods on purpose: lift its message rate.
      limits: {
        maxQueueBytes: 1024 * 1024,
        messagesPerSecond: 100_000,
        messageBurst: 100_000,
        bytesPerSecond: 1024 * 1024 * 1024,
      },
      namespaces: { bulk: { historySize: 0 } },
    })
    t.after(() => server.stop())
    const fast = await TestClient.connect(server.wsUrl)
    const slow = await TestClient.connect(server.wsUrl)
    let fastCount = 0
    fast.ws.on('message', () => fastCount++)
    await fast.request({ action: 'subscribe', channel: 'bulk' })
    await slow.request({ action: 'subscribe', channel: 'bulk' })
    const slowSocket = (slow.ws as unknown as { _socket: Socket })._socket
    slowSocket.pause()

    const publisher = await TestClient.connect(server.wsUrl)
    const payload = 'x'.repeat(2_000)
    const total = 10_000
    for (let i = 0; i < total; i++) {
      publisher.send(JSON.stringify({ action: 'publish', channel: 'bulk', data: payload }))
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 2))
    }
    await waitFor(() => fastCount >= total + 1, { timeoutMs: 30_000, message: 'the fast consumer' })

    slowSocket.resume()
    assert.equal(await slow.waitClosed(), CloseCode.SlowConsumer)
    assert.equal(slow.closeReason, 'slow_consumer')
    assert.ok(slow.messages().length < total, 'the slow consumer was cut off before the end')
    const metrics = await apiGet(`${server.url}/metrics`, null)
    assert.match(metrics.body, /switchboard_slow_consumer_disconnects_total [1-9]/)
    fast.close()
    publisher.close()
  })

  it('reaps a connection that stops answering pings, and pings idle ones', async (t) => {
    const server = await startServer({ heartbeat: { intervalMs: 200 } })
    t.after(() => server.stop())
    const dead = await TestClient.connect(server.wsUrl, { autoPong: false })
    const idle = await TestClient.connect(server.wsUrl)
    assert.equal(await dead.waitClosed(2_000), CloseCode.HeartbeatTimeout)
    await idle.waitFrame((f) => f.type === 'ping', 2_000)
    assert.equal(idle.closeCode, undefined, 'a live connection stays open')
    idle.close()
  })
})
