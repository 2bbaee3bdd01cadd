/**
 * What a function sees: the event (shaped like an API Gateway WebSocket event, so a Lambda
 * author finds the fields they expect) and the context it acts through.
 */
import type { PublishResult, SubscribeResult } from '@switchboard/protocol'

export type FunctionEventType = 'CONNECT' | 'MESSAGE' | 'DISCONNECT'

export interface FunctionEvent {
  requestContext: {
    /** `$connect`, `$disconnect`, `$default` or the message's `action`. */
    routeKey: string
    eventType: FunctionEventType
    connectionId: string
    /** When the connection opened, in ms since the epoch. */
    connectedAt: number
    requestTimeEpoch: number
    identity: { sourceIp: string }
  }
  /** The caller. `id` is the token's `sub`, undefined for anonymous connections. */
  user: { id: string | undefined; info: unknown; claims: Record<string, unknown> }
  /** MESSAGE: the request as sent, without its `id`. */
  body?: Record<string, unknown>
  /** CONNECT: request headers, without credentials. */
  headers?: Record<string, string>
  /** CONNECT: query parameters, without `token`. */
  queryStringParameters?: Record<string, string>
}

/**
 * What a function can do. Connection operations reach a connection whichever node of the
 * cluster holds it.
 */
export interface FunctionContext {
  readonly connectionId: string
  publish(
    channel: string,
    data: unknown,
    options?: { event?: string; idempotencyKey?: string },
  ): Promise<PublishResult>
  /** Sends `{"type":"direct","data":...}` to one connection; false when it is gone. */
  send(connectionId: string, data: unknown): Promise<boolean>
  /** Sends to every connection of a user; resolves how many got it. */
  sendToUser(userId: string, data: unknown): Promise<number>
  /** Subscribes the caller, as the server: namespace rules for clients do not apply. */
  subscribe(channel: string): Promise<SubscribeResult>
  unsubscribe(channel: string): Promise<void>
  /** Closes a connection (4503 `force_disconnect` unless `code` says otherwise). */
  close(connectionId: string, code?: number): Promise<boolean>
  /** A durable key-value store shared by all functions. */
  readonly kv: {
    get(key: string): Promise<string | undefined>
    set(key: string, value: string): Promise<void>
    delete(key: string): Promise<void>
  }
}

/**
 * What `$connect` may return to refuse the connection or attach claims to it. Any other
 * return value accepts it.
 */
export interface ConnectResult {
  reject?: { code?: number; message?: string }
  claims?: Record<string, unknown>
}

export type FunctionHandler = (event: FunctionEvent, context: FunctionContext) => unknown
