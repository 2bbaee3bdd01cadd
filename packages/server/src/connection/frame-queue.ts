/**
 * The frames queued towards one WebSocket during an event-loop turn, written with one `write`
 * when the turn ends (see `FlushScheduler`). What is queued, ours plus what the socket still
 * holds, is capped: a frame that would pass the cap is refused, and the owner closes the
 * connection as a slow consumer, so one slow reader never makes the server buffer without
 * bound nor slows anyone else.
 */
import type { Socket } from 'node:net'
import type { ServerStats } from '../metrics.js'
import type { FlushScheduler, Flushable } from './outbound.js'

export class FrameQueue implements Flushable {
  private frames: Buffer[] = []
  private bytes = 0
  /**
   * What the socket still held after the last write. It only shrinks until the next write, so
   * the cap is checked against it, and the socket is asked again only when that check fails:
   * one property read per refused frame instead of one per delivery.
   */
  private backlog = 0

  constructor(
    private readonly socket: Socket,
    private readonly scheduler: FlushScheduler,
    private readonly stats: ServerStats,
  ) {}

  /** Queues a frame; false, queueing nothing, when it would pass `maxQueueBytes`. */
  push(frame: Buffer, maxQueueBytes: number): boolean {
    if (this.bytes + this.backlog + frame.length > maxQueueBytes) {
      this.backlog = this.socket.writableLength
      if (this.bytes + this.backlog + frame.length > maxQueueBytes) return false
    }
    this.frames.push(frame)
    this.bytes += frame.length
    if (this.frames.length === 1) this.scheduler.schedule(this)
    return true
  }

  /** Writes what is queued, in one `write`. */
  flush(): void {
    const frames = this.frames
    const bytes = this.bytes
    this.frames = []
    this.bytes = 0
    if (frames.length === 0 || !this.socket.writable) return

    this.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames, bytes))
    this.backlog = this.socket.writableLength
    this.stats.bytesSent += bytes
  }

  /** Drops what is queued (the connection is closing). */
  clear(): void {
    this.frames = []
    this.bytes = 0
  }
}
