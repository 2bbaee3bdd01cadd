/**
 * History port: each channel is a stream of publications with a monotonically increasing
 * offset and an epoch that names the stream's generation.
 *
 * Guarantees every implementation gives (checked by test/conformance/history.ts):
 * - Offsets of one channel start at 1 and grow by exactly 1 per accepted append.
 * - `append` is atomic: the offset, the stored publication and the idempotency record are all
 *   written or none is. Appends to one channel are applied in call order.
 * - The epoch stays the same for as long as the stream's offsets stay meaningful. It changes
 *   only when the stream is lost (in-memory storage restarted, data flushed); a reader holding
 *   a position with another epoch must treat its position as unrecoverable.
 * - At most `historySize` publications are kept per channel, each for at most `historyTtlMs`;
 *   trimming never changes offsets or the epoch. A channel never published to has offset 0.
 * - A repeated idempotency key within `idempotencyWindowMs` appends nothing and returns the
 *   offset of the first append with `duplicate: true`.
 */
import type { StreamPosition } from '@switchboard/protocol'

/** A publication as kept in history. `data` is the JSON text of the published value. */
export interface StoredPublication {
  offset: number
  event: string
  data: string
}

export interface AppendOptions {
  /** Publications kept per channel; 0 keeps none (offsets are still assigned). */
  historySize: number
  /** How long a publication is kept, in ms. */
  historyTtlMs: number
  idempotencyKey?: string
  /** How long an idempotency key is remembered, in ms. */
  idempotencyWindowMs: number
}

export interface AppendResult extends StreamPosition {
  duplicate: boolean
}

export interface ReadOptions {
  /** Return publications with offsets strictly greater than this one; 0 reads from the start. */
  afterOffset: number
  /** Maximum number of publications returned, oldest first. */
  limit: number
}

export interface ReadResult {
  publications: StoredPublication[]
  /** The channel's current position (latest offset and epoch), whatever was returned. */
  position: StreamPosition
  /**
   * True when the publications returned start right after `afterOffset`, i.e. none between
   * `afterOffset` and the first returned (or the top) was trimmed away.
   */
  complete: boolean
}

export interface HistoryStore {
  append(
    channel: string,
    event: string,
    data: string,
    options: AppendOptions,
  ): Promise<AppendResult>
  read(channel: string, options: ReadOptions): Promise<ReadResult>
  position(channel: string): Promise<StreamPosition>
  close(): Promise<void>
}
