/** How the Redis implementations report an unreachable Redis: `unavailable` (HTTP 503). */
import { ErrorCode } from '@switchboard/protocol'
import { SwitchboardError } from '../errors.js'
import type { RedisConnections } from './connect.js'

/** Throws `unavailable` unless both connections are ready, before a command would hang. */
export function requireRedis(redis: RedisConnections): void {
  if (!redis.ready()) {
    throw new SwitchboardError(ErrorCode.Unavailable, 'redis is unreachable; retry later')
  }
}

/** A failed command's error as `unavailable`; an error that already has a code is kept. */
export function unavailable(error: unknown): unknown {
  if (error instanceof SwitchboardError) return error
  return new SwitchboardError(ErrorCode.Unavailable, `redis: ${(error as Error).message}`)
}
