/**
 * One connection's subscription to one channel. While the subscription is recovering, live
 * publications are buffered; `activate` then delivers the missed publications followed by
 * the buffered ones not already delivered, so that the history read and the live stream
 * never race.
 */
import { CloseCode } from '@switchboard/protocol'
import type { Connection } from '../connection/connection.js'
import type { OutgoingPublication } from './publication.js'

/**
 * Most live publications held for one subscription while its recovery read runs. A read
 * that falls this far behind means the connection cannot keep up: it is closed as a slow
 * consumer and recovers on reconnect.
 */
export const MAX_RECOVERY_BUFFER = 10_000

export class Subscription {
  /** Live publications that arrived during recovery; undefined once active. */
  private buffer: OutgoingPublication[] | undefined = []
  /** Last offset delivered on this subscription (kept for SSE positions and de-duplication). */
  offset = 0
  epoch = ''

  constructor(
    readonly channel: string,
    readonly connection: Connection,
  ) {}

  get active(): boolean {
    return this.buffer === undefined
  }

  push(publication: OutgoingPublication): void {
    if (this.buffer !== undefined) {
      if (this.buffer.length >= MAX_RECOVERY_BUFFER) {
        this.connection.close(CloseCode.SlowConsumer)
        return
      }
      this.buffer.push(publication)
      return
    }
    this.offset = publication.offset
    this.epoch = publication.epoch
    this.connection.deliver(publication, this)
  }

  /**
   * Ends recovery: delivers `missed` (in order), then buffered publications newer than the
   * position reached. `offset` and `epoch` are the stream position the recovery read ended at.
   */
  activate(missed: OutgoingPublication[], offset: number, epoch: string): void {
    const buffered = this.buffer ?? []
    this.buffer = undefined
    this.epoch = epoch

    for (const publication of missed) this.push(publication)
    this.offset = Math.max(this.offset, offset)
    for (const publication of buffered) {
      if (publication.epoch !== this.epoch || publication.offset > this.offset)
        this.push(publication)
    }
  }
}
