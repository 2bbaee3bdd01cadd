/**
 * The SSE fallback against a real server behind a proxy that refuses WebSocket upgrades, and
 * the return to WebSocket once upgrades go through again: no publication lost or repeated
 * across the switch.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { closeClients, nodeClient } from './helpers/client.js'
import { startUpgradeRefusingProxy, type UpgradeRefusingProxy } from './helpers/proxy.js'
import { connectionCount, publishHttp, startServer, type TestServer } from './helpers/server.js'
import { waitFor } from './helpers/wait.js'

describe('transport fallback', () => {
  let server: TestServer
  let proxy: UpgradeRefusingProxy

  before(async () => {
    server = await startServer()
    proxy = await startUpgradeRefusingProxy(server.port)
  })
  afterEach(closeClients)
  after(async () => {
    await proxy.close()
    await server.stop()
  })

  it('falls back to SSE, then moves back to WebSocket without loss', async () => {
    const client = nodeClient(`http://127.0.0.1:${proxy.port}`, { websocketRetryMs: 200 })
    const channel = client.channel<number>('switch')
    const received: number[] = []
    channel.subscribe((message) => received.push(message.data))
    await waitFor(() => channel.position !== undefined, 'the first subscribe')
    assert.equal(client.transport, 'sse')

    let n = 0
    while (n < 50) await publishHttp(server.url, 'switch', ++n)
    proxy.allowUpgrades = true
    // Publishing goes on while the client switches transports under it.
    // A function, so that the assert above does not narrow the type for the loop.
    const transport = () => client.transport
    while (transport() !== 'websocket' || n < 100) {
      await publishHttp(server.url, 'switch', ++n)
      assert.ok(n < 5_000, 'the client never moved back to WebSocket')
    }
    const ack = await channel.publish(++n)
    assert.equal(ack.offset, n)

    await waitFor(() => received.length >= n, `${n} publications`)
    await channel.history({ limit: 1 })
    assert.deepEqual(
      received,
      Array.from({ length: n }, (_, i) => i + 1),
    )
    await waitFor(async () => (await connectionCount(server.url, 'sse')) === 0, 'SSE closed')
    assert.equal(await connectionCount(server.url, 'websocket'), 1)
  })
})
