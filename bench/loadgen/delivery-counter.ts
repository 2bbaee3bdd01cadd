/**
 * The frame handler shared by every connection of a run: counts deliveries without decoding
 * them, decodes the send time only while latency is sampled, and routes everything else to the
 * dialect (pings) and to any set-up step waiting for a reply.
 */
import type { Dialect } from './dialects/index.js'
import { readSentAtMs } from './payload.js'
import type { FrameHandler, RawWebSocket } from './raw-websocket.js'

export class DeliveryCounter implements FrameHandler {
  delivered = 0
  closedConnections = 0
  /** Publish-to-receive latencies in ms, collected only while `sampling` is true. */
  latenciesMs: number[] = []
  sampling = false
  /** Called after every socket read, so a publisher can top up its window once per turn. */
  onProgress: () => void = () => {}

  constructor(private readonly dialect: Dialect) {}

  onText(connection: RawWebSocket, buffer: Buffer, start: number, end: number): void {
    if (this.dialect.isDelivery(buffer, start, end)) {
      this.delivered++
      if (this.sampling) this.sample(buffer, start, end)
      return
    }
    this.dialect.onControl(connection, buffer, start, end)
    connection.offerText(buffer, start, end)
  }

  onRead(): void {
    this.onProgress()
  }

  onClose(): void {
    this.closedConnections++
  }

  private sample(buffer: Buffer, start: number, end: number): void {
    const sentAtMs = readSentAtMs(buffer, start, end)
    if (!Number.isNaN(sentAtMs)) this.latenciesMs.push(performance.now() - sentAtMs)
  }
}
