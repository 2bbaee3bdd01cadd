/**
 * A token bucket: `ratePerSecond` tokens flow in, up to `burst`; taking more than is there is
 * refused. Time is read only when tokens are taken, so an idle bucket costs nothing.
 */
export class TokenBucket {
  private tokens: number
  private updatedAt: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst
    this.updatedAt = now()
  }

  /** Takes `cost` tokens if there are that many; returns whether it did. */
  take(cost = 1): boolean {
    this.refill()
    if (this.tokens < cost) return false
    this.tokens -= cost
    return true
  }

  /** Milliseconds until `cost` tokens will be there (0 when they are). */
  waitMs(cost = 1): number {
    this.refill()
    if (this.tokens >= cost) return 0
    return Math.ceil(((cost - this.tokens) / this.ratePerSecond) * 1000)
  }

  /** Whether the bucket holds its whole burst: it has not been used lately. */
  full(): boolean {
    this.refill()
    return this.tokens >= this.burst
  }

  private refill(): void {
    const now = this.now()
    const elapsedMs = now - this.updatedAt
    if (elapsedMs <= 0) return
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.ratePerSecond) / 1000)
    this.updatedAt = now
  }
}
