/**
 * The port between a client's channels and whatever holds the connection: a `Session` in this
 * tab, or the tab that leads the origin's shared connection.
 *
 * Guarantees an upstream gives its handler: `subscribed` for a channel comes before that
 * subscription's pushes; pushes of one channel come in offset order, possibly with repeats
 * and, after a leader change, with gaps (the client repairs both from positions); `request`
 * rejects with code `disconnected` when the reply cannot come, and the request may or may not
 * have reached the server.
 */
import type { SwitchboardError } from './errors.js'
import type { ConnectionState } from './lifecycle.js'
import type {
  MessagePush,
  PresencePush,
  ReplyBody,
  RequestFrame,
  StreamPosition,
  SubscribedInfo,
  TransportKind,
} from './types.js'

export interface StateDetail {
  /** The transport in use, when connected. */
  transport?: TransportKind
  /** The close code that ended the last connection. */
  closeCode?: number
  /** Delay before the next attempt, in ms, when disconnected. */
  retryInMs?: number
}

export interface UpstreamHandler {
  state(state: ConnectionState, detail: StateDetail): void
  subscribed(info: SubscribedInfo): void
  /** The server refused the subscription; the upstream forgot the channel. */
  subscribeFailed(channel: string, error: SwitchboardError): void
  message(push: MessagePush): void
  presence(push: PresencePush): void
  /** Where a (re)subscribe should resume the channel from. */
  position(channel: string): StreamPosition | undefined
  /** A push the SDK does not read itself (`direct`, `doc`, `doc.closed`). */
  push(frame: Record<string, unknown>): void
}

export interface Upstream {
  readonly state: ConnectionState
  /** Whether this context holds the network connection (false in tabs sharing another's). */
  readonly holdsConnection: boolean
  start(handler: UpstreamHandler): void
  subscribe(channel: string): void
  unsubscribe(channel: string): void
  request(frame: RequestFrame): Promise<ReplyBody>
  /** Tries at once if disconnected (network back, tab visible). */
  wake(): void
  close(): void
}
