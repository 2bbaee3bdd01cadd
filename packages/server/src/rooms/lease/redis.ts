/**
 * Room leases in Redis. A room's lease is one key holding `<node id>|<fence>` with a TTL of
 * `ttlMs`; its fence counter is a second key that never expires (a few bytes per room ever
 * run), so fences grow across expiries. Both carry the hash tag `{room:<type/id>}`, so in a
 * Redis Cluster they share a slot and each script touches them atomically.
 */
import type { Redis } from 'ioredis'
import type { RoomLease, RoomLeases } from '../../ports/room-lease.js'
import type { RedisClient } from '../../redis/connect.js'
import type { RedisKeys } from '../../redis/keys.js'

/**
 * KEYS: lease, fence counter. ARGV: node id, ttl in ms.
 * Returns { holder, fence }: the caller's (kept or newly taken) or the current holder's.
 */
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then
  local holder, fence = string.match(current, '^(.*)|(%d+)$')
  if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  return { holder, tonumber(fence) }
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
return { ARGV[1], fence }
`

/** KEYS: lease. ARGV: `<node id>|<fence>`, ttl in ms. Returns 1 when renewed, else 0. */
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`

/** KEYS: lease. ARGV: `<node id>|<fence>`. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`

interface LeaseScripts {
  sbRoomAcquire(
    lease: string,
    fence: string,
    node: string,
    ttlMs: number,
  ): Promise<[string, number]>
  sbRoomRenew(lease: string, value: string, ttlMs: number): Promise<number>
  sbRoomRelease(lease: string, value: string): Promise<number>
}

export class RedisRoomLeases implements RoomLeases {
  private readonly redis: RedisClient & LeaseScripts

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly nodeId: string,
    readonly ttlMs: number,
  ) {
    const typed = redis as RedisClient & Partial<LeaseScripts>
    if (typed.sbRoomAcquire === undefined) {
      const client = redis as Redis
      client.defineCommand('sbRoomAcquire', { lua: ACQUIRE, numberOfKeys: 2 })
      client.defineCommand('sbRoomRenew', { lua: RENEW, numberOfKeys: 1 })
      client.defineCommand('sbRoomRelease', { lua: RELEASE, numberOfKeys: 1 })
    }
    this.redis = typed as RedisClient & LeaseScripts
  }

  async acquire(room: string): Promise<RoomLease> {
    const [holder, fence] = await this.redis.sbRoomAcquire(
      this.key(room, 'lease'),
      this.key(room, 'fence'),
      this.nodeId,
      this.ttlMs,
    )
    return { holder, fence }
  }

  async renew(room: string, fence: number): Promise<boolean> {
    const value = `${this.nodeId}|${fence}`
    return (await this.redis.sbRoomRenew(this.key(room, 'lease'), value, this.ttlMs)) === 1
  }

  async release(room: string, fence: number): Promise<void> {
    await this.redis.sbRoomRelease(this.key(room, 'lease'), `${this.nodeId}|${fence}`)
  }

  async holder(room: string): Promise<string | undefined> {
    const current = await this.redis.get(this.key(room, 'lease'))
    return current === null ? undefined : current.slice(0, current.lastIndexOf('|'))
  }

  private key(room: string, part: 'lease' | 'fence'): string {
    return this.keys.room(room, part)
  }
}
