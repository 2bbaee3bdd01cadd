/**
 * The limits that follow a connection through its life, the same for every transport: how many
 * connections a user may hold (per plan), how fast a connection may send (token buckets for
 * messages and bytes, per plan), and the clocks that end it: token expiry, the `connect`
 * deadline, the plan's idle timeout and `limits.maxConnectionLifetimeMs`. One shared timer
 * checks the clocks of every connection; no connection has a timer of its own.
 */
import { CloseCode } from '@switchboard/protocol'
import type { Logger } from 'pino'
import type { ServerOptions } from '../config/defaults.js'
import type { Connection, ConnectionIdentity } from '../connection/connection.js'
import type { ConnectionRegistry } from '../connection/registry.js'
import type { ConnectionCounter } from '../ports/connection-counter.js'
import type { Plan } from './plans.js'
import { TokenBucket } from './token-bucket.js'

/** How often the clocks are checked; expiry and timeouts act within this much, in ms. */
export const SWEEP_INTERVAL_MS = 1_000

interface Rates {
  readonly plan: Plan
  readonly messages: TokenBucket
  readonly bytes: TokenBucket
}

export interface PolicyCounters {
  /** Requests refused by a rate limit, by plan. */
  rateLimited(plan: string): void
  /** Connections refused or closed by a plan limit, by plan and close reason. */
  limitClosed(plan: string, reason: string): void
}

export class ConnectionPolicy {
  /** Users of the connection slots this node took, by connection id. */
  private readonly slots = new Map<string, string>()
  private readonly rates = new WeakMap<Connection, Rates>()
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly options: Pick<ServerOptions, 'auth' | 'limits'>,
    /** The plan of connections not yet authenticated. */
    readonly defaultPlan: Plan,
    private readonly counters: PolicyCounters,
    private readonly logger: Logger,
    /** Counts connections per user across every node sharing it. */
    private readonly counter: ConnectionCounter,
    /** The open connections, whose clocks the policy watches. */
    private readonly registry: ConnectionRegistry,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS)
    this.timer.unref()
  }

  /**
   * Takes a connection slot of the user's plan (`maxConnectionsPerUser`, counted across every
   * node). False when the user holds as many as the plan allows. Connections without a user,
   * and plans without a limit, always get one and cost nothing.
   */
  async acquire(identity: ConnectionIdentity, connectionId: string): Promise<boolean> {
    const { user, plan } = identity
    if (user === undefined || plan.maxConnectionsPerUser === 0) return true
    const taken = await this.counter.acquire(user, connectionId, plan.maxConnectionsPerUser)
    if (taken) this.slots.set(connectionId, user)
    else this.counters.limitClosed(plan.name, 'too_many_connections')
    return taken
  }

  /** Frees a slot taken for a connection that never got accepted (or closed). Idempotent. */
  releaseSlot(connectionId: string): void {
    const user = this.slots.get(connectionId)
    if (user === undefined) return
    this.slots.delete(connectionId)
    this.counter.release(user, connectionId).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'connection slot release failed')
    })
  }

  /**
   * Takes one message of `bytes` from the connection's buckets. False means the message must
   * be refused with `rate_limited`; the connection stays.
   */
  allowMessage(connection: Connection, bytes: number): boolean {
    const plan = connection.identity.plan
    let rates = this.rates.get(connection)
    if (rates === undefined || rates.plan !== plan) {
      rates = {
        plan,
        messages: new TokenBucket(plan.messagesPerSecond, plan.messageBurst, this.now),
        bytes: new TokenBucket(plan.bytesPerSecond, plan.bytesPerSecond * 2, this.now),
      }
      this.rates.set(connection, rates)
    }
    if (rates.messages.take() && rates.bytes.take(bytes)) return true
    this.counters.rateLimited(plan.name)
    return false
  }

  /** Open connections by plan name, for `/metrics`. */
  connectionsByPlan(): Map<string, number> {
    const counts = new Map<string, number>()
    for (const connection of this.registry.all()) {
      const plan = connection.identity.plan.name
      counts.set(plan, (counts.get(plan) ?? 0) + 1)
    }
    return counts
  }

  close(): void {
    clearInterval(this.timer)
    for (const connectionId of [...this.slots.keys()]) this.releaseSlot(connectionId)
  }

  private sweep(): void {
    const now = this.now()
    const lifetimeMs = this.options.limits.maxConnectionLifetimeMs
    const connectTimeoutMs = this.options.auth.connectTimeoutMs
    for (const connection of this.registry.all()) {
      if (connection.closed) continue
      const { identity } = connection
      if (connection.pending && now - connection.connectedAt >= connectTimeoutMs) {
        this.end(connection, CloseCode.Unauthorized, 'no connect message with a token in time')
      } else if (identity.expiresAt !== undefined && now >= identity.expiresAt) {
        this.end(connection, CloseCode.TokenExpired, 'token expired without a refresh')
      } else if (lifetimeMs > 0 && now - connection.connectedAt >= lifetimeMs) {
        this.end(connection, CloseCode.MaxLifetime, 'limits.maxConnectionLifetimeMs reached')
      } else if (
        identity.plan.idleTimeoutMs > 0 &&
        connection.transport === 'websocket' &&
        now - connection.lastMessageAt >= identity.plan.idleTimeoutMs
      ) {
        this.counters.limitClosed(identity.plan.name, 'idle_timeout')
        this.end(connection, CloseCode.IdleTimeout, 'no message within the idle timeout')
      }
    }
  }

  private end(connection: Connection, code: number, message: string): void {
    this.logger.debug({ connection: connection.id, code }, 'connection ended by policy')
    connection.disconnect(code, message)
  }
}
