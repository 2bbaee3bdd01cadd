/**
 * The two ways the load generator publishes. Both write through one publisher connection that
 * subscribes to nothing, and stamp every publication with the current clock reading.
 */
import type { DeliveryCounter } from './delivery-counter.js'
import type { Dialect } from './dialects/index.js'
import { textFrame } from './client-frames.js'
import { encodePayload } from './payload.js'
import type { RawWebSocket } from './raw-websocket.js'

/** Publications written in one `write`, so one pump never holds the loop for long. */
const MAX_PUBLICATIONS_PER_WRITE = 1024
/** A read that frees this share (1/n) of the window triggers a write before the turn ends. */
const EAGER_SHARE_DIVISOR = 8

export interface PublisherTarget {
  connection: RawWebSocket
  dialect: Dialect
  /** Publications go round-robin over these channels. */
  channels: readonly string[]
  /** Subscribers of each channel: the deliveries one publication should produce. */
  subscribersPerChannel: number
  counter: DeliveryCounter
}

abstract class Publisher {
  /** Publications written since `start`. */
  published = 0
  private sequence = 0
  private channelIndex = 0
  private deliveredAtStart = 0

  constructor(protected readonly target: PublisherTarget) {}

  /** Deliveries that publications since `start` should have produced but have not yet. */
  get outstandingDeliveries(): number {
    const delivered = this.target.counter.delivered - this.deliveredAtStart
    return this.published * this.target.subscribersPerChannel - delivered
  }

  protected resetCounts(): void {
    this.published = 0
    this.deliveredAtStart = this.target.counter.delivered
  }

  protected publish(count: number): void {
    const { connection, dialect, channels } = this.target
    const frames: Buffer[] = new Array<Buffer>(count)
    for (let index = 0; index < count; index++) {
      const channel = channels[this.channelIndex]!
      this.channelIndex = (this.channelIndex + 1) % channels.length
      const dataJson = encodePayload(performance.now(), this.sequence++)
      frames[index] = textFrame(dialect.publishText(channel, dataJson))
    }
    connection.socket.write(count === 1 ? frames[0]! : Buffer.concat(frames))
    this.published += count
  }
}

/**
 * Publishes as fast as the subscribers drain: at most `maxOutstandingDeliveries` may be published
 * but not yet received, so the server's queues stay bounded and the figure measured is a
 * sustainable rate, not the speed of filling buffers.
 *
 * Room is refilled in two ways. Once a read has freed a sizeable share of the window, the
 * publisher writes at once, in the middle of the turn, so the server starts on the next batch
 * while the load generator is still reading the last one. Whatever room is left is topped up
 * once at the end of the turn. Refilling only at the end of each turn lets server and load
 * generator fall into step, one idle while the other works, and halves the measured rate.
 */
export class WindowedPublisher extends Publisher {
  private running = false
  private pumpScheduled = false
  /** Publications of free room that trigger an immediate write. */
  private readonly eagerPublications: number
  private readonly pump = (): void => {
    this.pumpScheduled = false
    this.topUp(1)
  }

  constructor(
    target: PublisherTarget,
    private readonly maxOutstandingDeliveries: number,
  ) {
    super(target)
    const windowPublications = maxOutstandingDeliveries / target.subscribersPerChannel
    this.eagerPublications = Math.max(1, Math.floor(windowPublications / EAGER_SHARE_DIVISOR))
    target.connection.socket.on('drain', () => this.schedule())
  }

  start(): void {
    this.resetCounts()
    this.running = true
    this.target.counter.onProgress = () => {
      if (!this.topUp(this.eagerPublications)) this.schedule()
    }
    this.schedule()
  }

  stop(): void {
    this.running = false
    this.target.counter.onProgress = () => {}
  }

  private schedule(): void {
    if (this.pumpScheduled || !this.running) return
    this.pumpScheduled = true
    setImmediate(this.pump)
  }

  /** Publishes into the free room if it holds at least `minPublications`; true if it did. */
  private topUp(minPublications: number): boolean {
    if (!this.running || this.target.connection.socket.writableNeedDrain) return false

    const fanout = this.target.subscribersPerChannel
    const room = Math.floor((this.maxOutstandingDeliveries - this.outstandingDeliveries) / fanout)
    if (room < minPublications) return false
    const count = Math.min(room, MAX_PUBLICATIONS_PER_WRITE)
    this.publish(count)
    if (room > count) this.schedule()
    return true
  }
}

/** Publishes `publicationsPerSec` on a fixed schedule, catching up if a timer fires late. */
export class FixedRatePublisher extends Publisher {
  private timer: NodeJS.Timeout | null = null
  private startedAtMs = 0
  private publicationsPerMs = 0

  start(publicationsPerSec: number): void {
    this.resetCounts()
    this.publicationsPerMs = publicationsPerSec / 1000
    this.startedAtMs = performance.now()
    this.tick()
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  private tick(): void {
    const elapsedMs = performance.now() - this.startedAtMs
    const due = Math.floor(elapsedMs * this.publicationsPerMs) + 1
    if (due > this.published) this.publish(due - this.published)

    const nextDueMs = this.published / this.publicationsPerMs
    const delayMs = Math.max(0, nextDueMs - (performance.now() - this.startedAtMs))
    this.timer = setTimeout(() => this.tick(), delayMs)
  }
}
