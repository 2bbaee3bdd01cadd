/**
 * Opening many connections: a bounded number of attempts in flight keeps the server's listen
 * backlog from overflowing (an overflow shows up as one-second SYN retransmits, not errors).
 */
import type { Dialect } from './dialects/index.js'
import { RawWebSocket, type FrameHandler } from './raw-websocket.js'

export interface ConnectOptions {
  host: string
  port: number
  dialect: Dialect
  handler: FrameHandler
  /** Attempts in flight at once. */
  concurrency: number
  /** Limit for each step: upgrade, handshake, subscribe. */
  stepTimeoutMs: number
}

/** One connection past the upgrade and the dialect's handshake, subscribed to nothing. */
export async function openConnection(options: ConnectOptions): Promise<RawWebSocket> {
  const connection = await RawWebSocket.open({
    host: options.host,
    port: options.port,
    path: options.dialect.path,
    headers: options.dialect.headers,
    handler: options.handler,
    timeoutMs: options.stepTimeoutMs,
  })
  await options.dialect.handshake(connection, options.stepTimeoutMs)
  return connection
}

/** Opens one connection per entry of `channels`, each subscribed to its entry. */
export async function openSubscribers(
  options: ConnectOptions,
  channels: readonly string[],
  ports: readonly number[] = [options.port],
): Promise<RawWebSocket[]> {
  const connections: RawWebSocket[] = new Array<RawWebSocket>(channels.length)
  let nextIndex = 0

  const worker = async (): Promise<void> => {
    while (nextIndex < channels.length) {
      const index = nextIndex++
      // Subscribers go to the nodes in turn, so each node holds an equal share.
      const port = ports[index % ports.length]!
      const connection = await openConnection({ ...options, port })
      await options.dialect.subscribe(connection, channels[index]!, options.stepTimeoutMs)
      connection.finishSetup()
      connections[index] = connection
    }
  }
  const workerCount = Math.min(options.concurrency, channels.length)
  await Promise.all(Array.from({ length: workerCount }, worker))
  return connections
}
