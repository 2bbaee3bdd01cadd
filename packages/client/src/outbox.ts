/**
 * The outbox: every publish waits here until the server acknowledges it. Publications are
 * sent in the order they were made, every time a connection is established, and keep their
 * idempotency key across resends, so a publish whose ack was lost is not delivered twice
 * (within the server's idempotency window, 5 minutes by default).
 *
 * Bounds: `maxMessages` publications and `maxBytes` of JSON data, acknowledged ones excluded.
 * Overflow policy: a publish beyond either bound fails at once with `outbox_full`; nothing
 * already queued is dropped, so what was accepted keeps its order and its promise.
 */
import { ClientErrorCode, SwitchboardError } from './errors.js'
import type { PublishAck, ReplyBody, RequestFrame } from './types.js'

/** Error codes after which a publish is resent: it may not have reached the server. */
const RETRYABLE_CODES = new Set<string>([ClientErrorCode.Disconnected, 'unavailable'])

interface Item {
  frame: RequestFrame
  bytes: number
  /** Send attempts so far; a late failure of an older attempt is ignored. */
  attempt: number
  sent: boolean
  resolve(ack: PublishAck): void
  reject(error: Error): void
}

export type Send = (frame: RequestFrame) => Promise<ReplyBody>

export class Outbox {
  private readonly items: Item[] = []
  private queuedBytes = 0

  constructor(
    private readonly maxMessages: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.items.length
  }

  get bytes(): number {
    return this.queuedBytes
  }

  /** Queues a publish; rejects at once with `outbox_full` beyond the bounds. */
  add(frame: RequestFrame, bytes: number): Promise<PublishAck> {
    const count = this.items.length
    if (count >= this.maxMessages) {
      return full(
        `outbox holds ${count} publications, ` +
          `the limit (outbox.maxMessages) is ${this.maxMessages}`,
      )
    }
    const total = this.queuedBytes + bytes
    if (total > this.maxBytes) {
      return full(
        `outbox would hold ${total} bytes, the limit (outbox.maxBytes) is ${this.maxBytes}`,
      )
    }
    return new Promise((resolve, reject) => {
      this.items.push({ frame, bytes, attempt: 0, sent: false, resolve, reject })
      this.queuedBytes += bytes
    })
  }

  /** Sends every publication not in flight, oldest first. */
  flush(send: Send): void {
    for (const item of this.items) {
      if (item.sent) continue
      item.sent = true
      const attempt = ++item.attempt
      send(item.frame).then(
        (reply) => this.acknowledged(item, reply),
        (error: unknown) => this.failed(item, attempt, error as Error),
      )
    }
  }

  /** The connection is gone: whatever was in flight is sent again by the next flush. */
  connectionLost(): void {
    for (const item of this.items) item.sent = false
  }

  /** Fails every queued publication, e.g. when the client is closed. */
  rejectAll(error: Error): void {
    const items = this.items.splice(0)
    this.queuedBytes = 0
    for (const item of items) item.reject(error)
  }

  private acknowledged(item: Item, reply: ReplyBody): void {
    if (!this.remove(item)) return
    const ack: PublishAck = { offset: reply.offset as number, epoch: reply.epoch as string }
    if (reply.duplicate === true) ack.duplicate = true
    item.resolve(ack)
  }

  private failed(item: Item, attempt: number, error: Error): void {
    if (attempt !== item.attempt || !this.items.includes(item)) return
    if (error instanceof SwitchboardError && RETRYABLE_CODES.has(error.code)) {
      item.sent = false
      return
    }
    this.remove(item)
    item.reject(error)
  }

  private remove(item: Item): boolean {
    const index = this.items.indexOf(item)
    if (index === -1) return false
    this.items.splice(index, 1)
    this.queuedBytes -= item.bytes
    return true
  }
}

function full(message: string): Promise<never> {
  return Promise.reject(new SwitchboardError(ClientErrorCode.OutboxFull, message))
}
