/** Clients as a Node application makes them: `ws` as the WebSocket, seeded jitter. */
import { WebSocket } from 'ws'
import { createClient, type Client, type ClientOptions } from '../../src/index.js'
import type { WebSocketConstructor } from '../../src/options.js'
import { seededRandom } from './wait.js'

/** Clients made by a test, closed by `closeClients` in its `afterEach`. */
const open = new Set<Client>()

export function nodeClient(url: string, options: Partial<ClientOptions> = {}): Client {
  const client = createClient({
    url,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    reconnect: { baseDelayMs: 50, maxDelayMs: 500 },
    random: seededRandom(2024),
    ...options,
  })
  open.add(client)
  return client
}

export function closeClients(): void {
  for (const client of open) client.close()
  open.clear()
}
