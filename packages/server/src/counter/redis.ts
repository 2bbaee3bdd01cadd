/**
 * Connection counter in Redis: one sorted set per user, its members the user's connection ids
 * scored by when they expire. Each node refreshes the slots it holds every third of `ttlMs`;
 * the slots of a node that died stop being refreshed and are dropped by the next acquire for
 * that user, at most `ttlMs` after the node's last refresh.
 */
import type { Logger } from 'pino'
import type { ConnectionCounter } from '../ports/connection-counter.js'
import type { RedisClient } from '../redis/connect.js'

/** KEYS: the user's set. ARGV: now, expiresAt, max, connection id, keyTtlMs. Returns 0 or 1. */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  return 1
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`

interface CounterScripts {
  sbAcquireSlot(key: string, ...args: Array<string | number>): Promise<number>
}

export class RedisConnectionCounter implements ConnectionCounter {
  private readonly redis: RedisClient & CounterScripts
  /** The slots this node holds, by connection id: the ones it refreshes. */
  private readonly held = new Map<string, string>()
  private readonly timer: NodeJS.Timeout

  constructor(
    redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {
    if (!('sbAcquireSlot' in redis))
      redis.defineCommand('sbAcquireSlot', { lua: ACQUIRE, numberOfKeys: 1 })
    this.redis = redis as RedisClient & CounterScripts
    this.timer = setInterval(() => void this.refresh(), Math.ceil(ttlMs / 3))
    this.timer.unref()
  }

  async acquire(user: string, connectionId: string, max: number): Promise<boolean> {
    const now = Date.now()
    const taken = await this.redis.sbAcquireSlot(
      this.key(user),
      now,
      now + this.ttlMs,
      max,
      connectionId,
      this.ttlMs * 2,
    )
    if (taken === 1) this.held.set(connectionId, user)
    return taken === 1
  }

  async release(user: string, connectionId: string): Promise<void> {
    this.held.delete(connectionId)
    await this.redis.zrem(this.key(user), connectionId)
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
  }

  private async refresh(): Promise<void> {
    const expiresAt = Date.now() + this.ttlMs
    for (const [connectionId, user] of this.held) {
      try {
        // XX: a slot released meanwhile is not brought back.
        await this.redis.zadd(this.key(user), 'XX', expiresAt, connectionId)
        await this.redis.pexpire(this.key(user), this.ttlMs * 2)
      } catch (error) {
        this.logger.warn({ err: error }, 'connection slot refresh failed')
        return
      }
    }
  }

  /** In its own cluster slot per user: `{user:<id>}`. */
  private key(user: string): string {
    return `${this.keyPrefix}{user:${user}}:connections`
  }
}
