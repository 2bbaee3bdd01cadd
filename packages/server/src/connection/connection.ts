/**
 * The one connection interface every transport maps its native socket onto. The hub and the
 * request handling only ever see this class.
 */
import type { PresenceMember } from '@switchboard/protocol'
import type { OutgoingPresence, OutgoingPublication } from '../hub/publication.js'
import type { Subscription } from '../hub/subscription.js'

/** Who is on the other end: set once, at connect. */
export interface ConnectionIdentity {
  /** User id from the token's `sub`; undefined for anonymous connections. */
  user: string | undefined
  /** Presence info from the token's `info` claim. */
  info: unknown
}

export type Transport = 'websocket' | 'sse' | 'http'

export abstract class Connection {
  readonly subscriptions = new Map<string, Subscription>()
  readonly connectedAt = Date.now()

  constructor(
    readonly id: string,
    readonly transport: Transport,
    readonly identity: ConnectionIdentity,
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

  /** Closes the connection with a code from the protocol's table. Idempotent. */
  abstract close(code: number): void

  /** Whether the connection is closing or closed; deliveries to it are dropped. */
  abstract get closed(): boolean
}
