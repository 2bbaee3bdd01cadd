/**
 * The Lua scripts that make each channel operation one atomic step in Redis. They are
 * registered with ioredis `defineCommand`, which runs them by EVALSHA and falls back to EVAL
 * when Redis does not know the script yet (after a restart or a flush).
 *
 * Time comes from the node (`nowMs`), not from Redis, so expiry decisions match the node's
 * clock; Redis-side expiry (PEXPIRE, SET PX) only reclaims memory of idle keys.
 */
import type { RedisClient } from './connect.js'

/**
 * KEYS: meta, stream[, idempotency record].
 * ARGV: event, data, historySize, historyTtlMs, idempotencyWindowMs, nowMs, new epoch
 * (used when the stream has none), pub/sub channel ('' publishes nothing), '1' for SPUBLISH.
 * Returns { offset, epoch, duplicate (0|1) }.
 */
const PUBLISH = `
local meta, stream, idem = KEYS[1], KEYS[2], KEYS[3]
local size, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local window, now = tonumber(ARGV[5]), tonumber(ARGV[6])

local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  epoch = ARGV[7]
  redis.call('DEL', stream)
  redis.call('HSET', meta, 'epoch', epoch, 'top', 0)
end

if idem then
  local seen = redis.call('GET', idem)
  if seen then
    local offset, seenEpoch, expires = string.match(seen, '^(%d+):([^:]+):(%d+)$')
    if seenEpoch == epoch and tonumber(expires) > now then
      return { tonumber(offset), epoch, 1 }
    end
  end
end

local offset = redis.call('HINCRBY', meta, 'top', 1)
if size > 0 then
  redis.call('XADD', stream, 'MAXLEN', size, offset .. '-0',
    'e', ARGV[1], 'd', ARGV[2], 'x', now + ttl)
  for _ = 1, 100 do
    local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
    if oldest == nil or tonumber(oldest[2][6]) > now then break end
    redis.call('XDEL', stream, oldest[1])
  end
  redis.call('PEXPIRE', stream, ttl)
end
if idem then
  redis.call('SET', idem, offset .. ':' .. epoch .. ':' .. (now + window), 'PX', window)
end
redis.call('PEXPIRE', meta, math.max(ttl, window))

if ARGV[8] ~= '' then
  local message = 'p\\n' .. offset .. '\\n' .. epoch .. '\\n' .. ARGV[1] .. '\\n' .. ARGV[2]
  redis.call(ARGV[9] == '1' and 'SPUBLISH' or 'PUBLISH', ARGV[8], message)
end
return { offset, epoch, 0 }
`

/**
 * KEYS: meta, stream. ARGV: afterOffset, limit, nowMs.
 * Returns { top, epoch ('' when the channel has no stream), first unexpired offset after
 * afterOffset (0 when none), offset1, event1, data1, offset2, ... } with at most `limit`
 * publications, oldest first.
 */
const READ = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return { 0, '', 0 } end
local top = tonumber(redis.call('HGET', KEYS[1], 'top'))
local after, limit, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])

local result = { top, epoch, 0 }
local found = 0
local start = (after + 1) .. '-0'
while found < limit do
  local want = limit - found
  local batch = redis.call('XRANGE', KEYS[2], start, '+', 'COUNT', want)
  for _, entry in ipairs(batch) do
    local fields = entry[2]
    if tonumber(fields[6]) > now then
      local offset = tonumber(string.match(entry[1], '^(%d+)'))
      if found == 0 then result[3] = offset end
      found = found + 1
      result[#result + 1] = offset
      result[#result + 1] = fields[2]
      result[#result + 1] = fields[4]
    end
  end
  if #batch < want then break end
  start = '(' .. batch[#batch][1]
end
return result
`

export interface ChannelScripts {
  sbPublish(
    numberOfKeys: number,
    ...args: Array<string | number>
  ): Promise<[number, string, number]>
  sbRead(...args: Array<string | number>): Promise<Array<number | string>>
}

/** Registers the scripts on a client (idempotent) and returns it typed with them. */
export function withScripts(client: RedisClient): RedisClient & ChannelScripts {
  const typed = client as RedisClient & Partial<ChannelScripts>
  if (typed.sbPublish === undefined) {
    client.defineCommand('sbPublish', { lua: PUBLISH })
    client.defineCommand('sbRead', { lua: READ, numberOfKeys: 2 })
  }
  return typed as RedisClient & ChannelScripts
}
