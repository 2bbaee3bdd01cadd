import { randomBytes } from 'node:crypto'

/** A new random stream epoch: 8 URL-safe characters (48 bits), never containing `,` or `.`. */
export function newEpoch(): string {
  return randomBytes(6).toString('base64url')
}

/**
 * Whether a read after `afterOffset` saw every publication up to the top: the first returned
 * offset follows `afterOffset` directly, or nothing was returned and nothing was missed.
 */
export function isComplete(afterOffset: number, firstOffset: number | undefined, top: number) {
  if (afterOffset > top) return false
  if (firstOffset === undefined) return afterOffset === top
  return firstOffset === afterOffset + 1
}
