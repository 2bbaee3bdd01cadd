/**
 * The client: channels, the outbox and connection state, on top of an upstream that holds the
 * connection (a session in this tab, or the tab leading the origin's shared connection).
 */
import { ErrorCode, channelNameProblem } from '@switchboard/protocol'
import { Channel, type ChannelHost } from './channel.js'
import { Emitter } from './emitter.js'
import { ClientErrorCode, SwitchboardError } from './errors.js'
import type { ConnectionState } from './lifecycle.js'
import { Outbox } from './outbox.js'
import type { ReplyBody, RequestFrame, TransportKind } from './types.js'
import type { StateDetail, Upstream } from './upstream.js'

export interface ClientEvents {
  /** Every state change; `connected` also fires again when the transport changes. */
  state: [state: ConnectionState, detail: StateDetail]
  /** A channel's subscription was refused; also emitted on the channel. */
  error: [error: SwitchboardError, channel: string]
  /**
   * A push the SDK does not read itself: `direct` (from a function or the management API),
   * and the `doc` and `doc.closed` pushes that `@switchboard/client/yjs` reads.
   */
  push: [frame: Record<string, unknown>]
}

export class Client {
  private readonly emitter = new Emitter<ClientEvents>()
  private readonly channels = new Map<string, Channel<never>>()
  private readonly outbox: Outbox
  private readonly keyPrefix: string
  private keyCount = 0
  private currentState: ConnectionState = 'disconnected'
  private currentTransport: TransportKind | undefined
  private started = false

  constructor(
    private readonly upstream: Upstream,
    outbox: { maxMessages: number; maxBytes: number },
  ) {
    this.outbox = new Outbox(outbox.maxMessages, outbox.maxBytes)
    this.keyPrefix = randomId()
  }

  get state(): ConnectionState {
    return this.currentState
  }

  /** The transport of the current connection, when connected. */
  get transport(): TransportKind | undefined {
    return this.currentTransport
  }

  /**
   * Whether this client holds the network connection. False in a tab that shares the
   * connection another tab of the origin holds (see `shareConnection`).
   */
  get holdsConnection(): boolean {
    return this.upstream.holdsConnection
  }

  /** Publications waiting for their acknowledgement. */
  get pendingPublications(): number {
    return this.outbox.size
  }

  on<K extends keyof ClientEvents>(
    event: K,
    listener: (...args: ClientEvents[K]) => void,
  ): () => void {
    return this.emitter.on(event, listener)
  }

  /**
   * The channel of this name; the same object on every call. Throws `invalid_channel` for a
   * name the server would refuse.
   */
  channel<T = unknown>(name: string): Channel<T> {
    let channel = this.channels.get(name)
    if (channel === undefined) {
      const problem = channelNameProblem(name)
      if (problem !== undefined) throw new SwitchboardError(ErrorCode.InvalidChannel, problem)
      channel = new Channel<never>(name, this.channelHost)
      this.channels.set(name, channel)
    }
    return channel as unknown as Channel<T>
  }

  /**
   * Sends one request frame as it is (`{action, ...}`; the SDK sets `id`) and resolves with
   * the reply's fields. Rejects with the server's code, or `disconnected` when not connected
   * or when the connection is lost first: the request may or may not have run. Low level:
   * for actions routed to functions, and for `@switchboard/client/yjs`.
   */
  request(frame: RequestFrame): Promise<ReplyBody> {
    return this.upstream.request(frame)
  }

  /** Connects, or reconnects after `close()`. Done by `createClient` unless `autoConnect`. */
  connect(): void {
    this.started = true
    this.upstream.start({
      state: (state, detail) => this.onState(state, detail),
      subscribed: (info) => this.channels.get(info.channel)?.handleSubscribed(info),
      subscribeFailed: (channel, error) => {
        this.channels.get(channel)?.handleError(error)
        this.emitter.emit('error', error, channel)
      },
      message: (push) => this.channels.get(push.channel)?.handleMessage(push),
      presence: (push) => this.channels.get(push.channel)?.presence.apply(push),
      position: (channel) => this.channels.get(channel)?.position,
      push: (frame) => this.emitter.emit('push', frame),
    })
    for (const channel of this.channels.values()) {
      if (channel.subscribed) this.upstream.subscribe(channel.name)
    }
  }

  /** Closes the connection for good; pending publications fail with `closed`. */
  close(): void {
    this.started = false
    this.upstream.close()
    this.outbox.rejectAll(new SwitchboardError(ClientErrorCode.Closed, 'the client was closed'))
  }

  private readonly channelHost: ChannelHost = {
    attach: (channel) => {
      if (this.started) this.upstream.subscribe(channel)
    },
    detach: (channel) => this.upstream.unsubscribe(channel),
    request: (frame) => this.upstream.request(frame),
    publish: (frame, bytes) => {
      if (this.currentState === 'closed') {
        return Promise.reject(new SwitchboardError(ClientErrorCode.Closed, 'the client is closed'))
      }
      const ack = this.outbox.add(frame, bytes)
      if (this.currentState === 'connected') this.flush()
      return ack
    },
    nextIdempotencyKey: () => `${this.keyPrefix}-${(++this.keyCount).toString(36)}`,
  }

  private onState(state: ConnectionState, detail: StateDetail): void {
    const transport = state === 'connected' ? detail.transport : undefined
    // A tab sharing another's connection may hear `connected` twice (its hello's answer and
    // the host's own news): only a change is news.
    const repeated = state === this.currentState && transport === this.currentTransport
    this.currentState = state
    this.currentTransport = transport
    if (state === 'connected') this.flush()
    else this.outbox.connectionLost()
    if (state === 'closed') {
      this.outbox.rejectAll(
        new SwitchboardError(
          ClientErrorCode.Closed,
          `the connection was closed for good (code ${detail.closeCode ?? 'none'})`,
        ),
      )
    }
    if (!repeated) this.emitter.emit('state', state, detail)
  }

  private flush(): void {
    this.outbox.flush((frame) => this.upstream.request(frame))
  }
}

/** A random id for idempotency keys; unique per client instance, tab and process. */
function randomId(): string {
  const crypto = globalThis.crypto as Crypto | undefined
  if (crypto?.randomUUID !== undefined) return crypto.randomUUID()
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`
}
