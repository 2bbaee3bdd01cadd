/**
 * A graceful server restart against real servers: each client waits the delay the server
 * gave it (a `disconnect` push over WebSocket, a `retry:` field over SSE) rather than its own
 * short backoff, so the clients come back spread out instead of all at once.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import type { TransportKind } from '../src/index.js'
import { closeClients, nodeClient } from './helpers/client.js'
import { startServer, type TestServer } from './helpers/server.js'
import { waitFor } from './helpers/wait.js'

const CLIENTS = 10
const JITTER_MS = 2_000
const config = { shutdown: { reconnectJitterMs: JITTER_MS, drainTimeoutMs: 500 } }

describe('graceful restart', () => {
  let servers: TestServer[] = []
  afterEach(async () => {
    closeClients()
    for (const server of servers) await server.stop()
    servers = []
  })

  for (const transport of ['websocket', 'sse'] as TransportKind[]) {
    it(`spreads reconnects over the server's delay over ${transport}`, async () => {
      const first = await startServer(config)
      servers.push(first)
      const delays: number[] = []
      const clients = Array.from({ length: CLIENTS }, () => {
        // Its own backoff would come back within 50 ms.
        const client = nodeClient(first.url, {
          transports: [transport],
          reconnect: { baseDelayMs: 50, maxDelayMs: 50 },
        })
        client.on('state', (state, detail) => {
          if (state === 'disconnected' && detail.closeCode === 4001) delays.push(detail.retryInMs!)
        })
        client.channel('restart').subscribe(() => undefined)
        return client
      })
      const connected = () => clients.every((c) => c.state === 'connected')
      const subscribed = () => clients.every((c) => c.channel('restart').position !== undefined)
      await waitFor(subscribed, 'every client subscribed')

      await first.stop()
      await waitFor(() => delays.length === CLIENTS, 'every client told to come back later')
      servers.push(await startServer({ ...config, port: first.port }))
      await waitFor(connected, 'every client back', 10_000)

      assert.ok(Math.max(...delays) < JITTER_MS + 50, `delays ${delays.join(', ')}`)
      assert.ok(Math.max(...delays) > 500, `delays ${delays.join(', ')} spread out`)
      const waited = delays.filter((d) => d > 100).length
      assert.ok(waited >= CLIENTS / 2, `${waited} of ${CLIENTS} waited the server's delay`)
    })
  }
})
