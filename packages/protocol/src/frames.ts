/**
 * Frame shapes of the Switchboard wire protocol (JSON over WebSocket text frames).
 * `docs/protocol.md` is the prose specification of every frame and field.
 */
import type { ErrorCode } from './codes.js'

/** A position in a channel's stream: the offset of a publication and the stream's epoch. */
export interface StreamPosition {
  offset: number
  epoch: string
}

export type RequestId = number | string

export interface SubscribeRequest {
  id?: RequestId
  action: 'subscribe'
  channel: string
  /** Recover every publication after this position before live ones. */
  since?: StreamPosition
}

export interface UnsubscribeRequest {
  id?: RequestId
  action: 'unsubscribe'
  channel: string
}

export interface PublishRequest {
  id?: RequestId
  action: 'publish'
  channel: string
  /** Event name, `message` when absent. */
  event?: string
  data: unknown
  /** A repeated key on the same channel within the idempotency window is not delivered twice. */
  idempotencyKey?: string
}

export interface PresenceRequest {
  id?: RequestId
  action: 'presence'
  channel: string
}

export interface HistoryRequest {
  id?: RequestId
  action: 'history'
  channel: string
  since?: StreamPosition
  limit?: number
}

export interface PingRequest {
  id?: RequestId
  action: 'ping'
}

/**
 * Authenticates a connection that presented no token in its handshake (a browser that can
 * set neither headers nor subprotocols). Must come within `auth.connectTimeoutMs`.
 */
export interface ConnectRequest {
  id?: RequestId
  action: 'connect'
  token: string
}

/** Replaces the connection's token before it expires; subscriptions stay. Same user only. */
export interface RefreshRequest {
  id?: RequestId
  action: 'refresh'
  token: string
}

/** The reply to `connect` and `refresh`. */
export interface AuthResult {
  user: string
  /** When the token expires, in ms since the epoch; absent for tokens without `exp`. */
  expiresAt?: number
  /** `refresh` only: subscriptions ended because the new token no longer grants them. */
  revoked?: string[]
}

/**
 * A request whose action is not built in. The server answers `unknown_action` unless a
 * function is routed to that action.
 */
export interface CustomRequest {
  id?: RequestId
  action: string
  [field: string]: unknown
}

/**
 * Opens a Yjs document on this connection. The reply comes first, then `doc` pushes: the
 * server's sync step 1 and the known awareness states. Opening it again starts a new sync.
 */
export interface DocOpenRequest {
  id?: RequestId
  action: 'doc.open'
  /** The document name (channel name rules; its namespace decides access). */
  doc: string
}

/**
 * One y-protocols message (sync or awareness) for an open document, as base64. A message
 * longer than the open reply's `maxChunkChars` travels in parts: `part` 0 to `parts - 1`, in
 * order, each a slice of the base64 text at a multiple of 4 characters.
 */
export interface DocMessageRequest {
  id?: RequestId
  action: 'doc.message'
  doc: string
  data: string
  part?: number
  parts?: number
}

/** Closes a document on this connection; the awareness states it announced are removed. */
export interface DocCloseRequest {
  id?: RequestId
  action: 'doc.close'
  doc: string
}

/** The reply to `doc.open`. */
export interface DocOpenResult {
  doc: string
  /** What this connection may do: `read-only` updates are refused with `forbidden`. */
  access: 'read-write' | 'read-only'
  /** Longest `data` of one `doc.message` frame, in characters; longer messages go in parts. */
  maxChunkChars: number
}

export type BuiltinRequest =
  | SubscribeRequest
  | UnsubscribeRequest
  | PublishRequest
  | PresenceRequest
  | HistoryRequest
  | PingRequest
  | ConnectRequest
  | RefreshRequest
  | DocOpenRequest
  | DocMessageRequest
  | DocCloseRequest

export interface ErrorBody {
  code: ErrorCode
  message: string
}

export interface ErrorReply {
  id?: RequestId
  error: ErrorBody
}

/** One publication as stored in history and returned by `history`. */
export interface Publication {
  offset: number
  event: string
  data: unknown
}

/** A presence member: one per user per channel, however many connections the user holds. */
export interface PresenceMember {
  id: string
  info?: unknown
}

export interface SubscribeResult {
  channel: string
  epoch: string
  /** The channel's latest offset when the subscription took effect. */
  offset: number
  /** Present when `since` was given: whether every missed publication will be delivered. */
  recovered?: boolean
}

export interface PublishResult {
  offset: number
  epoch: string
  /** True when the idempotency key was seen before and nothing was delivered again. */
  duplicate?: boolean
}

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
  member: PresenceMember
}

export interface DisconnectPush {
  type: 'disconnect'
  code: string
  reconnect: boolean
  /** Why, for people; absent on a graceful shutdown. */
  message?: string
  /** How long the client should wait before reconnecting, in ms. */
  reconnectAfterMs?: number
}

export interface PingPush {
  type: 'ping'
}

/** One y-protocols message of an open document, as base64. */
export interface DocumentPush {
  type: 'doc'
  doc: string
  data: string
}

/**
 * The server ended this connection's session of a document: `code` is the reason string of
 * the document close code (`update_too_large`, `internal_error`, ...); with `reconnect`, open
 * it again after a delay, without, not until something changes.
 */
export interface DocumentClosedPush {
  type: 'doc.closed'
  doc: string
  code: string
  reconnect: boolean
}

export type Push =
  MessagePush | PresencePush | DisconnectPush | PingPush | DocumentPush | DocumentClosedPush
