/**
 * Public data types of the SDK. They mirror the wire protocol's frames but are declared here
 * so that the SDK's declarations stand alone.
 */

/** A position in a channel's stream. Offset 0 is "before the first publication". */
export interface StreamPosition {
  offset: number
  epoch: string
}

/** One publication as handed to subscribers. */
export interface Message<T = unknown> {
  channel: string
  /** Event name given by the publisher, `message` when none. */
  event: string
  data: T
  offset: number
  epoch: string
}

/** A presence member: one per user per channel. */
export interface Member {
  id: string
  info?: unknown
}

/** The server's answer to a subscribe. */
export interface SubscribedInfo {
  channel: string
  /** The channel's latest offset when the subscription took effect. */
  offset: number
  epoch: string
  /** Present on resubscribes: whether every missed publication is delivered. */
  recovered?: boolean
}

/** Emitted when missed publications could not be delivered: reload the channel's state. */
export interface ResetInfo {
  channel: string
  /** The last position the handlers saw, if any. */
  lastSeen: StreamPosition | undefined
  /** Delivery continues after this position. */
  resumeFrom: StreamPosition
}

export interface PublishAck {
  offset: number
  epoch: string
  /** True when the server had already accepted a publish with the same idempotency key. */
  duplicate?: boolean
}

export interface HistoryPage {
  publications: Array<{ offset: number; event: string; data: unknown }>
  offset: number
  epoch: string
}

export type TransportKind = 'websocket' | 'sse'

/** A request frame as sent upstream; the SDK assigns `id`. */
export interface RequestFrame {
  action: string
  [field: string]: unknown
}

/** A successful reply, without `id` and `ok`. */
export type ReplyBody = Record<string, unknown>

/** Pushes the SDK consumes (see the protocol's `Push`). */
export interface MessagePush {
  type: 'message'
  channel: string
  event: string
  data: unknown
  offset: number
  epoch: string
}

export interface PresencePush {
  type: 'join' | 'leave'
  channel: string
  member: Member
}
