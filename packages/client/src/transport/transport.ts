/**
 * The port between the session and the network: WebSocket, or SSE plus HTTP POST. Adapters
 * map their native API onto it and hold no policy (reconnects, recovery and retries live in
 * the session).
 */
import type {
  MessagePush,
  PresencePush,
  ReplyBody,
  RequestFrame,
  StreamPosition,
  SubscribedInfo,
  TransportKind,
} from '../types.js'

export interface TransportEvents {
  message(push: MessagePush): void
  presence(push: PresencePush): void
  /**
   * A subscription took effect. Called in stream order, before the channel's first push, for
   * every subscribe and also when the transport subscribed again by itself (an SSE stream
   * reopened); `recovered: false` means publications were lost.
   */
  subscribed(result: SubscribedInfo): void
  /** A push the SDK does not read itself (`direct`, `doc`, `doc.closed`), in stream order. */
  push(frame: Record<string, unknown>): void
  /** Any bytes from the server, pings included: proof of life. */
  traffic(): void
  /** The server announced a shutdown and asks to come back after this delay, in ms. */
  reconnectAfter(delayMs: number): void
  /** The transport ended after `open` resolved; called at most once. */
  close(code: number, reason: string): void
}

export interface Transport {
  readonly kind: TransportKind
  /**
   * Resolves when the transport can carry requests; rejects with `TransportOpenError` when it
   * cannot. Called once.
   */
  open(events: TransportEvents): Promise<void>
  /**
   * Subscribes; the result comes as a `subscribed` event, then missed publications after
   * `since` follow as `message` events. Rejects when the server refuses.
   */
  subscribe(channel: string, since: StreamPosition | undefined): Promise<void>
  unsubscribe(channel: string): Promise<void>
  /**
   * Sends one request and resolves with its successful reply. Rejects with a
   * `SwitchboardError`: the server's code, or `disconnected` when the transport ended first.
   */
  request(frame: RequestFrame): Promise<ReplyBody>
  /** Whether `ping` requests over this transport prove the downstream alive, now. */
  readonly pingProvesLiveness: boolean
  /** Ends the transport without a `close` event. */
  close(): void
}

/**
 * Why a transport could not open. `closeCode` is the close code the server gave, when it gave
 * one (e.g. 4500 for a refused token); without one the network or a proxy refused.
 */
export class TransportOpenError extends Error {
  override readonly name = 'TransportOpenError'

  constructor(
    message: string,
    readonly closeCode: number | undefined,
  ) {
    super(message)
  }
}
