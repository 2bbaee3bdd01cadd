/**
 * Recovery against a real server when history no longer holds what a client missed: the
 * channel emits `reset` (the server answered `recovered: false`) once, and delivery goes on
 * from the channel's current position, over WebSocket and over SSE.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import type { ResetInfo, TransportKind } from '../src/index.js'
import { closeClients, nodeClient } from './helpers/client.js'
import { NetworkProxy } from './helpers/proxy.js'
import { publishHttp, startServer, type TestServer } from './helpers/server.js'
import { waitFor } from './helpers/wait.js'

const HISTORY_SIZE = 10

describe('recovery when history is gone', () => {
  let server: TestServer
  let proxy: NetworkProxy

  before(async () => {
    server = await startServer({ channelDefaults: { historySize: HISTORY_SIZE } })
    proxy = await NetworkProxy.start(server.port)
  })
  afterEach(() => {
    closeClients()
    proxy.restore()
  })
  after(async () => {
    await proxy.stop()
    await server.stop()
  })

  for (const transport of ['websocket', 'sse'] as TransportKind[]) {
    it(`emits reset and resumes from the current position over ${transport}`, async () => {
      const name = `trimmed-${transport}`
      const client = nodeClient(proxy.url, { transports: [transport] })
      const channel = client.channel<number>(name)
      const received: number[] = []
      const resets: ResetInfo[] = []
      channel.on('reset', (info) => resets.push(info))
      channel.subscribe((message) => received.push(message.data))
      await waitFor(() => channel.position !== undefined, 'the first subscribe')

      for (let n = 1; n <= 5; n++) await publishHttp(server.url, name, n)
      await waitFor(() => received.length === 5, 'the first 5 publications')
      proxy.down()
      await waitFor(() => client.state === 'disconnected', 'the client to notice')
      // Three times what history keeps: publications 6..20 are gone for good.
      for (let n = 6; n <= 5 + 3 * HISTORY_SIZE; n++) await publishHttp(server.url, name, n)
      proxy.restore()

      await waitFor(() => resets.length > 0, 'the reset event')
      const last = 5 + 3 * HISTORY_SIZE
      assert.equal(resets.length, 1)
      assert.equal(resets[0]!.channel, name)
      assert.equal(resets[0]!.lastSeen?.offset, 5)
      assert.equal(resets[0]!.resumeFrom.offset, last)
      await publishHttp(server.url, name, last + 1)
      await waitFor(() => received.length === 6, 'the publication after the reset')
      assert.deepEqual(received, [1, 2, 3, 4, 5, last + 1])
      assert.equal(client.transport, transport)
    })
  }
})
