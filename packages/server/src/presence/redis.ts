/**
 * Redis presence: who is in a channel, across every node. Four keys per channel, in the
 * channel's cluster slot: connection id → member id (hash), connection id → expiry time
 * (sorted set), member id → member JSON of the latest join (hash) and member id → number of
 * connections (hash). Each change is one script, so the counts never drift.
 *
 * A node refreshes the expiry of the connections it holds every third of `ttlMs`. The entries
 * of a node that died stop being refreshed: they are swept by the next script touching the
 * channel (any node's refresh, join, leave or member list) at most `ttlMs` after the node's
 * last refresh, and `announce` is called for each member that left with them, so that a
 * leave is announced. A node puts back its own entries that Redis lost.
 */
import type { PresenceMember } from '@switchboard/protocol'
import type { Logger } from 'pino'
import type { PresenceStore } from '../ports/presence.js'
import type { RedisClient } from '../redis/connect.js'
import type { RedisKeys } from '../redis/keys.js'

/** Removes expired connections; collects the JSON of members left with none. */
const SWEEP = `
local conns, expiry, members, counts = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local gone = {}
for _, conn in ipairs(redis.call('ZRANGEBYSCORE', expiry, '-inf', ARGV[1])) do
  local member = redis.call('HGET', conns, conn)
  redis.call('HDEL', conns, conn)
  redis.call('ZREM', expiry, conn)
  if member and redis.call('HINCRBY', counts, member, -1) <= 0 then
    gone[#gone + 1] = redis.call('HGET', members, member)
    redis.call('HDEL', counts, member)
    redis.call('HDEL', members, member)
  end
end
local function keep(ms)
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ms) end
end
`

/** ARGV: now, expiresAt, keyTtlMs, connection id, member id, member JSON. */
const JOIN = `${SWEEP}
if redis.call('HEXISTS', conns, ARGV[4]) == 1 then
  redis.call('ZADD', expiry, ARGV[2], ARGV[4])
  return { 0, gone }
end
redis.call('HSET', conns, ARGV[4], ARGV[5])
redis.call('ZADD', expiry, ARGV[2], ARGV[4])
redis.call('HSET', members, ARGV[5], ARGV[6])
local count = redis.call('HINCRBY', counts, ARGV[5], 1)
keep(tonumber(ARGV[3]))
return { count == 1 and 1 or 0, gone }
`

/** ARGV: now, connection id. Returns { last (0|1), member JSON or false, gone }. */
const LEAVE = `${SWEEP}
local member = redis.call('HGET', conns, ARGV[2])
if not member then return { 0, false, gone } end
redis.call('HDEL', conns, ARGV[2])
redis.call('ZREM', expiry, ARGV[2])
local json = redis.call('HGET', members, member)
if redis.call('HINCRBY', counts, member, -1) > 0 then return { 0, json, gone } end
redis.call('HDEL', counts, member)
redis.call('HDEL', members, member)
return { 1, json, gone }
`

/** ARGV: now. Returns { member JSONs, gone }. */
const MEMBERS = `${SWEEP}
return { redis.call('HVALS', members), gone }
`

/**
 * ARGV: now, expiresAt, keyTtlMs, then (connection id, member id, member JSON) for each
 * connection this node holds. Extends their expiry first, so that the sweep only removes
 * other nodes' entries; puts back entries that are missing (Redis lost them, or they expired
 * during an outage longer than the TTL). Returns { gone, members back }.
 */
const REFRESH = `
local conns, expiry, members, counts = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local back = {}
for i = 4, #ARGV, 3 do
  local conn, member = ARGV[i], ARGV[i + 1]
  if redis.call('HEXISTS', conns, conn) == 0 then
    redis.call('HSET', conns, conn, member)
    redis.call('HSET', members, member, ARGV[i + 2])
    if redis.call('HINCRBY', counts, member, 1) == 1 then back[#back + 1] = ARGV[i + 2] end
  end
  redis.call('ZADD', expiry, ARGV[2], conn)
end
${SWEEP}
keep(tonumber(ARGV[3]))
return { gone, back }
`

interface PresenceScripts {
  sbPresenceJoin(...args: Array<string | number>): Promise<[number, string[]]>
  sbPresenceLeave(...args: Array<string | number>): Promise<[number, string | null, string[]]>
  sbPresenceMembers(...args: Array<string | number>): Promise<[string[], string[]]>
  sbPresenceRefresh(...args: Array<string | number>): Promise<[string[], string[]]>
}

export interface RedisPresenceOptions {
  /** How long an entry lives without a refresh, in ms. */
  ttlMs: number
  /**
   * Called for each member that left because its node stopped refreshing (`leave`), and for
   * each member this node put back after Redis lost it (`join`), so the change is announced.
   */
  announce?: (channel: string, type: 'join' | 'leave', member: PresenceMember) => void
  logger?: Logger
  now?: () => number
}

export class RedisPresence implements PresenceStore {
  private readonly redis: RedisClient & PresenceScripts
  /** The connections this node joined, per channel, with their member: the ones it refreshes. */
  private readonly local = new Map<string, Map<string, PresenceMember>>()
  private readonly timer: NodeJS.Timeout
  private readonly now: () => number

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: RedisPresenceOptions,
  ) {
    if ((redis as Partial<PresenceScripts>).sbPresenceJoin === undefined) {
      redis.defineCommand('sbPresenceJoin', { lua: JOIN, numberOfKeys: 4 })
      redis.defineCommand('sbPresenceLeave', { lua: LEAVE, numberOfKeys: 4 })
      redis.defineCommand('sbPresenceMembers', { lua: MEMBERS, numberOfKeys: 4 })
      redis.defineCommand('sbPresenceRefresh', { lua: REFRESH, numberOfKeys: 4 })
    }
    this.redis = redis as RedisClient & PresenceScripts
    this.now = options.now ?? Date.now
    this.timer = setInterval(() => void this.refresh(), Math.ceil(options.ttlMs / 3))
    this.timer.unref()
  }

  async join(
    channel: string,
    connectionId: string,
    member: PresenceMember,
  ): Promise<{ first: boolean }> {
    let connections = this.local.get(channel)
    if (connections === undefined) this.local.set(channel, (connections = new Map()))
    connections.set(connectionId, member)

    const now = this.now()
    const [first, gone] = await this.redis.sbPresenceJoin(
      ...this.channelKeys(channel),
      now,
      now + this.options.ttlMs,
      this.options.ttlMs * 2,
      connectionId,
      member.id,
      JSON.stringify(member),
    )
    this.expired(channel, gone)
    return { first: first === 1 }
  }

  async leave(
    channel: string,
    connectionId: string,
  ): Promise<{ last: boolean; member?: PresenceMember }> {
    const connections = this.local.get(channel)
    connections?.delete(connectionId)
    if (connections?.size === 0) this.local.delete(channel)

    const [last, json, gone] = await this.redis.sbPresenceLeave(
      ...this.channelKeys(channel),
      this.now(),
      connectionId,
    )
    this.expired(channel, gone)
    if (json === null) return { last: false }
    return { last: last === 1, member: JSON.parse(json) as PresenceMember }
  }

  async members(channel: string): Promise<PresenceMember[]> {
    const [members, gone] = await this.redis.sbPresenceMembers(
      ...this.channelKeys(channel),
      this.now(),
    )
    this.expired(channel, gone)
    return members.map((json) => JSON.parse(json) as PresenceMember)
  }

  /** Stops refreshing; this node's entries expire unless it left them first. */
  async close(): Promise<void> {
    clearInterval(this.timer)
  }

  /** Extends the expiry of every connection this node holds, channel by channel. */
  async refresh(): Promise<void> {
    const now = this.now()
    const ttl = this.options.ttlMs
    await Promise.all(
      [...this.local].map(async ([channel, connections]) => {
        const entries = [...connections].flatMap(([id, member]) => [
          id,
          member.id,
          JSON.stringify(member),
        ])
        try {
          const [gone, back] = await this.redis.sbPresenceRefresh(
            ...this.channelKeys(channel),
            now,
            now + ttl,
            ttl * 2,
            ...entries,
          )
          this.expired(channel, gone)
          for (const json of back) {
            this.options.announce?.(channel, 'join', JSON.parse(json) as PresenceMember)
          }
        } catch (error) {
          this.options.logger?.warn({ err: error, channel }, 'presence refresh failed')
        }
      }),
    )
  }

  private expired(channel: string, gone: string[]): void {
    for (const json of gone) {
      this.options.announce?.(channel, 'leave', JSON.parse(json) as PresenceMember)
    }
  }

  private channelKeys(channel: string): string[] {
    return [
      this.keys.presence(channel, 'connections'),
      this.keys.presence(channel, 'expiry'),
      this.keys.presence(channel, 'members'),
      this.keys.presence(channel, 'counts'),
    ]
  }
}
