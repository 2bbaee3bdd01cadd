/**
 * The published data: a JSON object of exactly `PAYLOAD_BYTES` bytes carrying the publisher's
 * clock reading. The load generator both publishes and receives, so one `performance.now()` clock
 * measures publish-to-receive latency without any clock synchronisation.
 */

/** Size of the `data` value as JSON, before each server adds its own envelope. */
export const PAYLOAD_BYTES = 128

const SENT_AT_KEY = '"sentAtMs":'
const SENT_AT_KEY_BYTES = Buffer.from(SENT_AT_KEY)
/** Enough characters for any `toFixed(3)` reading of a process-relative clock. */
const SENT_AT_MAX_CHARS = 24
const PADDING = 'x'.repeat(PAYLOAD_BYTES)

/** The `data` JSON for publication number `sequence`, sent at `sentAtMs`. */
export function encodePayload(sentAtMs: number, sequence: number): string {
  const head = `{${SENT_AT_KEY}${sentAtMs.toFixed(3)},"seq":${sequence},"pad":"`
  const padBytes = PAYLOAD_BYTES - head.length - 2
  if (padBytes < 0) throw new Error(`payload head is ${head.length} bytes, over ${PAYLOAD_BYTES}`)
  return `${head}${PADDING.slice(0, padBytes)}"}`
}

/**
 * Finds the send time inside a delivered frame, whatever envelope the server wrapped the data
 * in. Returns NaN when the frame does not hold one.
 */
export function readSentAtMs(frame: Buffer, start: number, end: number): number {
  const keyAt = frame.indexOf(SENT_AT_KEY_BYTES, start)
  if (keyAt === -1 || keyAt >= end) return Number.NaN

  const valueAt = keyAt + SENT_AT_KEY_BYTES.length
  return Number.parseFloat(
    frame.toString('latin1', valueAt, Math.min(end, valueAt + SENT_AT_MAX_CHARS)),
  )
}
