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

export type BuiltinRequest =
  | SubscribeRequest
  | UnsubscribeRequest
  | PublishRequest
  | PresenceRequest
  | HistoryRequest
  | PingRequest
  | ConnectRequest
  | RefreshRequest

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

export type Push = MessagePush | PresencePush | DisconnectPush | PingPush
