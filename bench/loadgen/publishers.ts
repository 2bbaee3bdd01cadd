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
 */
export class WindowedPublisher extends Publisher {
  private running = false
  private pumpScheduled = false
  private readonly pump = (): void => this.topUp()

  constructor(
    target: PublisherTarget,
    private readonly maxOutstandingDeliveries: number,
  ) {
    super(target)
    target.connection.socket.on('drain', () => this.schedule())
  }

  start(): void {
    this.resetCounts()
    this.running = true
    this.target.counter.onProgress = () => this.schedule()
    this.schedule()
  }

  stop(): void {
    this.running = false
    this.target.counter.onProgress = () => {}
  }

  /** Tops up at most once per event-loop turn, after that turn's reads were all counted. */
  private schedule(): void {
    if (this.pumpScheduled || !this.running) return
    this.pumpScheduled = true
    setImmediate(this.pump)
  }

  private topUp(): void {
    this.pumpScheduled = false
    if (!this.running || this.target.connection.socket.writableNeedDrain) return

    const fanout = this.target.subscribersPerChannel
    const room = Math.floor((this.maxOutstandingDeliveries - this.outstandingDeliveries) / fanout)
    if (room <= 0) return
    const count = Math.min(room, MAX_PUBLICATIONS_PER_WRITE)
    this.publish(count)
    if (room > count) this.schedule()
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
