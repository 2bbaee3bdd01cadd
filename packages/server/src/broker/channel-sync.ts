/**
 * Keeps one node's view of one channel in step with the channel's stream when publications
 * arrive over a transport that can lose them (Redis pub/sub drops messages while a node is
 * disconnected). The node remembers the last offset it delivered; a publication further ahead
 * means a gap, which is filled from history before the publication is delivered. When history
 * no longer covers the gap, or the stream's epoch changed under the node, the channel is
 * reported lost so that its subscribers learn they missed publications (`recovered: false`).
 */
import type { StreamPosition } from '@switchboard/protocol'
import type { ReadResult, StoredPublication } from '../ports/history.js'

/** Most publications read from history in one step of a catch-up. */
export const CATCH_UP_BATCH = 1_000
/**
 * Most live publications held while a catch-up read runs; beyond it they are dropped, and
 * the catch-up reads them from history instead.
 */
export const MAX_PENDING = 10_000

export interface ChannelSyncDependencies {
  read(afterOffset: number, limit: number): Promise<ReadResult>
  deliver(publication: StoredPublication, epoch: string): void
  /** Publications were missed for good: the subscribers must recover on their own. */
  lost(): void
  /** A catch-up read failed (Redis unreachable); it is retried on the next `resync`. */
  failed(error: unknown): void
}

export class ChannelSync {
  /** Last offset delivered, and its epoch; undefined until the starting position is known. */
  private position: StreamPosition | undefined
  /** Live publications that arrived while the position was unknown or a catch-up ran. */
  private pending: Array<{ publication: StoredPublication; epoch: string }> = []
  private catchingUp = false
  /** Set while the transport is down: live publications wait for `resync`. */
  private suspended = false
  /** A resync was asked for while a catch-up ran: run one more afterwards. */
  private again = false
  private closed = false

  constructor(private readonly deps: ChannelSyncDependencies) {}

  /** Sets the position the node starts from (the stream's top when it subscribed). */
  start(position: StreamPosition): void {
    this.position = position
    this.drain()
  }

  close(): void {
    this.closed = true
    this.pending = []
  }

  /** A live publication from the transport. */
  receive(publication: StoredPublication, epoch: string): void {
    if (this.closed) return
    if (this.position === undefined || this.catchingUp || this.suspended) {
      if (this.pending.length < MAX_PENDING) this.pending.push({ publication, epoch })
      return
    }
    this.handle(publication, epoch)
  }

  /**
   * The transport went down and may have dropped publications: nothing is handed on until
   * `resync` has read what was missed, so that a new epoch seen meanwhile is not mistaken
   * for a clean start of a new stream.
   */
  suspend(): void {
    this.suspended = true
  }

  /** Reads whatever the node may have missed, e.g. after a reconnection to Redis. */
  resync(): void {
    if (this.closed || this.position === undefined) return
    this.suspended = false
    if (this.catchingUp) {
      this.again = true
      return
    }
    void this.catchUp()
  }

  private handle(publication: StoredPublication, epoch: string): void {
    let position = this.position!
    if (epoch !== position.epoch) {
      if (position.offset === 0) {
        // Offset 0 is the start of every epoch: the node saw nothing of any stream yet.
        position.epoch = epoch
      } else if (publication.offset === 1) {
        // A new stream right after one the node had delivered up to its last known offset
        // (the old one expired while idle); the client sees the new epoch on the message.
        position = this.position = { offset: 0, epoch }
      } else {
        this.deps.lost()
        this.position = { offset: publication.offset, epoch }
        this.deps.deliver(publication, epoch)
        return
      }
    }
    if (publication.offset <= position.offset) return
    if (publication.offset === position.offset + 1) {
      position.offset = publication.offset
      this.deps.deliver(publication, epoch)
      return
    }
    this.pending.push({ publication, epoch })
    void this.catchUp()
  }

  private async catchUp(): Promise<void> {
    this.catchingUp = true
    this.again = false
    try {
      for (;;) {
        const position = this.position!
        const read = await this.deps.read(position.offset, CATCH_UP_BATCH)
        if (this.closed) return
        const top = read.position
        if (top.epoch !== position.epoch && position.offset > 0) {
          this.deps.lost()
          this.position = { ...top }
          break
        }
        if (!read.complete) {
          this.deps.lost()
          this.position = { ...top }
          break
        }
        this.position = { offset: position.offset, epoch: top.epoch }
        for (const publication of read.publications) {
          this.position.offset = publication.offset
          this.deps.deliver(publication, top.epoch)
        }
        if (this.position.offset >= top.offset && !this.again) break
        this.again = false
      }
    } catch (error) {
      this.deps.failed(error)
      return
    } finally {
      this.catchingUp = false
    }
    this.drain()
  }

  /** Hands pending publications on in offset order; a new gap starts another catch-up. */
  private drain(): void {
    const pending = this.pending.sort((a, b) => a.publication.offset - b.publication.offset)
    this.pending = []
    for (let i = 0; i < pending.length; i++) {
      if (this.catchingUp || this.closed || this.suspended) {
        this.pending.push(...pending.slice(i))
        return
      }
      this.handle(pending[i]!.publication, pending[i]!.epoch)
    }
  }
}
