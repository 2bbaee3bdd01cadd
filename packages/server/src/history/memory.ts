/**
 * In-memory history: the reference implementation of the history port. Everything is lost on
 * restart; channels then get new epochs.
 */
import type { StreamPosition } from '@switchboard/protocol'
import type {
  AppendOptions,
  AppendResult,
  HistoryStore,
  ReadOptions,
  ReadResult,
  StoredPublication,
} from '../ports/history.js'
import { isComplete, newEpoch } from './epoch.js'

interface Entry extends StoredPublication {
  expiresAt: number
}

interface Stream {
  epoch: string
  top: number
  /** Oldest first. Trimmed from the front by size and TTL. */
  entries: Entry[]
  idempotency: Map<string, { offset: number; expiresAt: number }>
}

/** @default 60_000 ms between sweeps of expired publications and idempotency keys. */
const SWEEP_INTERVAL_MS = 60_000

export class MemoryHistory implements HistoryStore {
  private readonly streams = new Map<string, Stream>()
  /** Epoch reported for channels that have no stream yet; offset 0 is valid in every epoch. */
  private readonly emptyEpoch = newEpoch()
  private readonly sweepTimer: NodeJS.Timeout

  constructor(private readonly now: () => number = Date.now) {
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS)
    this.sweepTimer.unref()
  }

  async append(
    channel: string,
    event: string,
    data: string,
    options: AppendOptions,
  ): Promise<AppendResult> {
    const now = this.now()
    let stream = this.streams.get(channel)
    if (stream === undefined) {
      stream = { epoch: newEpoch(), top: 0, entries: [], idempotency: new Map() }
      this.streams.set(channel, stream)
    }

    const key = options.idempotencyKey
    if (key !== undefined) {
      const seen = stream.idempotency.get(key)
      if (seen !== undefined && seen.expiresAt > now) {
        return { offset: seen.offset, epoch: stream.epoch, duplicate: true }
      }
    }

    const offset = ++stream.top
    if (options.historySize > 0) {
      stream.entries.push({ offset, event, data, expiresAt: now + options.historyTtlMs })
      trim(stream, options.historySize, now)
    }
    if (key !== undefined) {
      stream.idempotency.set(key, { offset, expiresAt: now + options.idempotencyWindowMs })
    }
    return { offset, epoch: stream.epoch, duplicate: false }
  }

  async read(channel: string, options: ReadOptions): Promise<ReadResult> {
    const stream = this.streams.get(channel)
    if (stream === undefined) {
      const position = { offset: 0, epoch: this.emptyEpoch }
      return { publications: [], position, complete: options.afterOffset === 0 }
    }

    const now = this.now()
    const publications: StoredPublication[] = []
    let first: number | undefined
    for (const entry of stream.entries) {
      if (entry.offset <= options.afterOffset || entry.expiresAt <= now) continue
      first ??= entry.offset
      if (publications.length === options.limit) break
      publications.push({ offset: entry.offset, event: entry.event, data: entry.data })
    }
    const position = { offset: stream.top, epoch: stream.epoch }
    return { publications, position, complete: isComplete(options.afterOffset, first, stream.top) }
  }

  async position(channel: string): Promise<StreamPosition> {
    const stream = this.streams.get(channel)
    if (stream === undefined) return { offset: 0, epoch: this.emptyEpoch }
    return { offset: stream.top, epoch: stream.epoch }
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer)
  }

  /**
   * Drops expired publications and keys. A stream left with neither is forgotten: its next
   * publication starts a new epoch, so positions held by clients are reported unrecoverable.
   */
  sweep(): void {
    const now = this.now()
    for (const [channel, stream] of this.streams) {
      trim(stream, Infinity, now)
      for (const [key, seen] of stream.idempotency) {
        if (seen.expiresAt <= now) stream.idempotency.delete(key)
      }
      if (stream.entries.length === 0 && stream.idempotency.size === 0) {
        this.streams.delete(channel)
      }
    }
  }
}

function trim(stream: Stream, historySize: number, now: number): void {
  const entries = stream.entries
  let drop = Math.max(0, entries.length - historySize)
  while (drop < entries.length && entries[drop]!.expiresAt <= now) drop++
  if (drop > 0) entries.splice(0, drop)
}
