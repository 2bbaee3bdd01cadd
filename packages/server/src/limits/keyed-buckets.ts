/**
 * Token buckets by key (an API key's name, a user, an address), for limits that outlive a
 * single connection. At most `maxKeys` buckets are kept; the least recently used goes first,
 * and comes back full, which errs on the side of the caller.
 */
import { TokenBucket } from './token-bucket.js'

export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>()

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token from `key`'s bucket; returns 0 when taken, else ms until one is there. */
  take(key: string): number {
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) {
        this.buckets.delete(this.buckets.keys().next().value!)
      }
      bucket = new TokenBucket(this.ratePerSecond, this.burst, this.now)
    } else {
      this.buckets.delete(key)
    }
    this.buckets.set(key, bucket)
    return bucket.take() ? 0 : bucket.waitMs()
  }
}
