/**
 * The one connection interface every transport maps its native socket onto. The hub and the
 * request handling only ever see this class.
 */
import type { PresenceMember } from '@switchboard/protocol'
import type { ChannelGrants } from '../auth/grants.js'
import type { OutgoingPresence, OutgoingPublication } from '../hub/publication.js'
import type { Subscription } from '../hub/subscription.js'
import type { Plan } from '../limits/plans.js'

/** Who is on the other end: set at connect, replaced by `connect` and `refresh`. */
export interface ConnectionIdentity {
  /** User id from the token's `sub`; undefined for anonymous connections. */
  user: string | undefined
  /** Presence info from the token's `info` claim. */
  info: unknown
  /** The plan its token named, or the default plan. */
  plan: Plan
  /** What the token's `channels` claim grants; undefined when it has none. */
  grants: ChannelGrants | undefined
  /** When the token expires, in ms since the epoch. */
  expiresAt: number | undefined
}

export type Transport = 'websocket' | 'sse' | 'http'

export abstract class Connection {
  readonly subscriptions = new Map<string, Subscription>()
  readonly connectedAt = Date.now()
  /** The peer's address, for per-address accounting of failed authentication. */
  address = 'unknown'
  /** When the client last sent an application message (not a ping), in ms. */
  lastMessageAt = this.connectedAt
  /**
   * True while a WebSocket that presented no token waits for its `connect` message: every
   * other request is refused until then.
   */
  pending = false
  /** Claims attached by the `$connect` function, passed to every later function event. */
  claims: Record<string, unknown> = {}
  /**
   * Bytes the connection may queue beyond `limits.maxQueueBytes`: room for one whole
   * document (a joining document's sync step 2) while it has documents open.
   */
  extraQueueBytes = 0

  constructor(
    readonly id: string,
    readonly transport: Transport,
    public identity: ConnectionIdentity,
  ) {}

  get anonymous(): boolean {
    return this.identity.user === undefined
  }

  /** The presence member of this connection: its user, or the connection itself. */
  member(): PresenceMember {
    const id = this.identity.user ?? `connection:${this.id}`
    return this.identity.info === undefined ? { id } : { id, info: this.identity.info }
  }

  /** Queues a publication of a subscribed channel. Never throws, never blocks. */
  abstract deliver(publication: OutgoingPublication, subscription: Subscription): void

  abstract deliverPresence(event: OutgoingPresence): void

  /**
   * Sends `{"type":"direct","data":...}`: a message to this connection alone, from a function
   * or the management API. Returns false when the transport cannot carry one.
   */
  abstract sendDirect(dataJson: string): boolean

  /**
   * Queues a WebSocket text frame built once for every receiver (a document push). Returns
   * false when the transport cannot carry one (SSE, HTTP) or the connection is closing.
   */
  abstract sendFrame(frame: Buffer): boolean

  /** Closes the connection with a code from the protocol's table. Idempotent. */
  abstract close(code: number): void

  /**
   * Closes the connection on purpose, telling the client why first where the transport can
   * (a `disconnect` push on WebSocket).
   */
  disconnect(code: number, _message: string): void {
    this.close(code)
  }

  /** Whether the connection is closing or closed; deliveries to it are dropped. */
  abstract get closed(): boolean
}
