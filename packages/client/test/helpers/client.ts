/** Clients as a Node application makes them: `ws` as the WebSocket, seeded jitter. */
import { WebSocket } from 'ws'
import { createClient, type Client, type ClientOptions, type ResetInfo } from '../../src/index.js'
import type { WebSocketConstructor } from '../../src/options.js'
import { seededRandom, waitFor } from './wait.js'

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

/**
 * Subscribes `client` to a channel of numbers and records what a test checks: the data in
 * order, `reset` events and connection states. Resolves once the first subscribe took effect.
 */
export async function recordNumbers(client: Client, channel: string) {
  const received: number[] = []
  const resets: ResetInfo[] = []
  const states: string[] = []
  client.on('state', (state) => states.push(state))
  const numbered = client.channel<number>(channel)
  numbered.on('reset', (info) => resets.push(info))
  numbered.subscribe((message) => received.push(message.data))
  await waitFor(() => numbered.position !== undefined, 'the first subscribe')
  return { numbered, received, resets, states }
}
