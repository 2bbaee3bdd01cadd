/**
 * Slows down repeated failed authentication from one address: after
 * `auth.failuresBeforeDelay` failures within a minute, each further refusal is answered only
 * after a delay that doubles per failure, up to `auth.maxFailureDelayMs`. Guessing keys or
 * tokens from one address then costs time, while a client that once sent a stale token is not
 * slowed at all.
 */
const WINDOW_MS = 60_000
/** Addresses tracked at once; the oldest is forgotten first. */
const MAX_TRACKED = 10_000
const BASE_DELAY_MS = 100

interface FailureRecord {
  count: number
  since: number
}

export class AuthFailures {
  private readonly records = new Map<string, FailureRecord>()

  constructor(
    private readonly failuresBeforeDelay: number,
    private readonly maxDelayMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a failure from `address`; resolves when the refusal may be sent. */
  async failed(address: string): Promise<void> {
    const delayMs = this.record(address)
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs).unref())
  }

  /** Records a failure and returns how long its refusal is held back, in ms. */
  record(address: string): number {
    const now = this.now()
    let record = this.records.get(address)
    if (record === undefined || now - record.since > WINDOW_MS) {
      record = { count: 0, since: now }
      if (this.records.size >= MAX_TRACKED) this.forgetOldest()
    }
    // Re-inserting keeps the map in order of last failure.
    this.records.delete(address)
    this.records.set(address, record)
    record.count++

    const excess = record.count - this.failuresBeforeDelay
    if (excess <= 0) return 0
    return Math.min(this.maxDelayMs, BASE_DELAY_MS * 2 ** Math.min(excess - 1, 16))
  }

  private forgetOldest(): void {
    const oldest = this.records.keys().next()
    if (!oldest.done) this.records.delete(oldest.value)
  }
}
