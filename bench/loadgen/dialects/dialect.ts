/**
 * What differs between the servers under test, seen from the load generator: the upgrade path,
 * the steps to join a channel, the shape of a publish request and how to tell a delivery from
 * replies and application-level pings.
 */
import type { RawWebSocket } from '../raw-websocket.js'

export interface Dialect {
  /** Request target of the WebSocket upgrade. */
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  /** Protocol steps after the upgrade and before the first request; resolves when done. */
  handshake(connection: RawWebSocket, timeoutMs: number): Promise<void>
  /** Joins `channel`; resolves once the server confirmed. */
  subscribe(connection: RawWebSocket, channel: string, timeoutMs: number): Promise<void>
  /** The text of one publish request carrying `dataJson` (already JSON) to `channel`. */
  publishText(channel: string, dataJson: string): string
  /** Whether the text message `buffer[start, end)` is a delivered publication. Hot path. */
  isDelivery(buffer: Buffer, start: number, end: number): boolean
  /** Answers a message that is not a delivery when the protocol needs it (pings). */
  onControl(connection: RawWebSocket, buffer: Buffer, start: number, end: number): void
}

/** Whether `buffer[start, end)` begins with `prefix`. */
export function startsWith(buffer: Buffer, start: number, end: number, prefix: Buffer): boolean {
  const length = prefix.length
  if (end - start < length) return false
  for (let index = 0; index < length; index++) {
    if (buffer[start + index] !== prefix[index]) return false
  }
  return true
}
