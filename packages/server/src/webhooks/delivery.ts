/**
 * One webhook's queue: events wait at most `batchWindowMs` to share a delivery of up to
 * `batchSize`; a delivery that fails (no answer within `timeoutMs`, or not 2xx) is tried again
 * after an exponential backoff with full jitter, up to `maxAttempts`, with the same event ids,
 * so the receiver deduplicates: delivery is at least once while the process runs. Deliveries
 * of one webhook are sent one at a time, in order.
 *
 * Body: `{"events": [{"id", "type", "time", "channel", ...}]}`, signed like function calls:
 * `X-Switchboard-Timestamp` and `X-Switchboard-Signature: v1=<hex HMAC-SHA256 of
 * "<timestamp>.<body>">`.
 */
import type { Logger } from 'pino'
import type { WebhookOptions } from '../config/defaults.js'
import { signRequest } from '../functions/http-target.js'

export interface WebhookEvent {
  id: string
  type: string
  /** When it happened, in ms since the epoch. */
  time: number
  channel: string
  [field: string]: unknown
}

export type DeliveryOutcome = 'delivered' | 'retried' | 'dropped'

export interface DeliveryCounters {
  count(outcome: DeliveryOutcome, events: number): void
}

/** First retry delay; each attempt doubles it, up to `MAX_RETRY_MS`. */
const BASE_RETRY_MS = 250
const MAX_RETRY_MS = 30_000

export class WebhookDelivery {
  private readonly queue: WebhookEvent[] = []
  private timer: NodeJS.Timeout | undefined
  private sending = false
  private closed = false

  constructor(
    readonly options: WebhookOptions,
    private readonly counters: DeliveryCounters,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {}

  get queued(): number {
    return this.queue.length
  }

  push(event: WebhookEvent): void {
    if (this.closed) return
    if (this.queue.length >= this.options.maxQueuedEvents) {
      this.queue.shift()
      this.counters.count('dropped', 1)
    }
    this.queue.push(event)
    if (this.queue.length >= this.options.batchSize) this.sendSoon(0)
    else this.sendSoon(this.options.batchWindowMs)
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
  }

  private sendSoon(delayMs: number): void {
    if (this.sending) return
    if (this.timer !== undefined && delayMs > 0) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.sendBatches(), delayMs)
    this.timer.unref()
  }

  private async sendBatches(): Promise<void> {
    this.timer = undefined
    this.sending = true
    try {
      while (this.queue.length > 0 && !this.closed) {
        const batch = this.queue.slice(0, this.options.batchSize)
        const delivered = await this.deliver(batch)
        this.queue.splice(0, batch.length)
        this.counters.count(delivered ? 'delivered' : 'dropped', batch.length)
      }
    } finally {
      this.sending = false
    }
  }

  /** Tries one batch until it is accepted or out of attempts; resolves whether it was. */
  private async deliver(batch: WebhookEvent[]): Promise<boolean> {
    const body = JSON.stringify({ events: batch })
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      if (this.closed) return false
      if (await this.post(body)) return true
      this.counters.count('retried', batch.length)
      if (attempt === this.options.maxAttempts) break
      const capMs = Math.min(MAX_RETRY_MS, BASE_RETRY_MS * 2 ** (attempt - 1))
      await new Promise((resolve) => setTimeout(resolve, this.random() * capMs).unref())
    }
    this.logger.warn({ url: this.options.url, events: batch.length }, 'webhook batch dropped')
    return false
  }

  private async post(body: string): Promise<boolean> {
    const timestamp = String(Date.now())
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Switchboard-Timestamp': timestamp,
          'X-Switchboard-Signature': signRequest(this.options.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      })
      await response.body?.cancel()
      return response.status >= 200 && response.status <= 299
    } catch {
      return false
    }
  }
}
