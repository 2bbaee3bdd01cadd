/**
 * Reconnect delays: exponential backoff with full jitter (a uniform delay between 0 and the
 * exponential ceiling), so that clients dropped together do not come back together.
 */

export interface BackoffOptions {
  /**
   * Ceiling of the first retry; the ceiling doubles with each failed attempt.
   * @default 500 ms
   */
  baseDelayMs: number
  /**
   * Largest ceiling.
   * @default 30_000 ms
   */
  maxDelayMs: number
  /**
   * A connection that stayed up this long resets the attempt count, so a later drop retries
   * quickly again while a flapping connection keeps backing off.
   * @default 10_000 ms
   */
  stableAfterMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  stableAfterMs: 10_000,
}

export class Backoff {
  private attempt = 0

  constructor(
    private readonly options: BackoffOptions,
    /** Uniform in [0, 1); injectable so that tests are reproducible. */
    private readonly random: () => number = Math.random,
  ) {}

  /** The ceiling of the next delay, in ms. */
  get ceilingMs(): number {
    // 2 ** 30 already exceeds any sensible cap; clamping the exponent avoids Infinity.
    const exponential = this.options.baseDelayMs * 2 ** Math.min(this.attempt, 30)
    return Math.min(this.options.maxDelayMs, exponential)
  }

  /** The delay before the next attempt, in ms; counts the attempt. */
  next(): number {
    const delayMs = Math.floor(this.random() * this.ceilingMs)
    this.attempt++
    return delayMs
  }

  /** Called when a connection has been up for `uptimeMs` and then dropped. */
  connectionEnded(uptimeMs: number): void {
    if (uptimeMs >= this.options.stableAfterMs) this.attempt = 0
  }

  reset(): void {
    this.attempt = 0
  }
}
