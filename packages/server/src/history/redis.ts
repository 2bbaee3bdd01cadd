/**
 * Redis history: each channel's stream is a Redis stream bounded by `historySize` (exact
 * MAXLEN) beside a hash holding its epoch and last offset, all in the channel's cluster slot.
 * One script appends (and, for the broker, publishes) atomically; another reads.
 *
 * A channel's keys expire after `max(historyTtlMs, idempotencyWindowMs)` without a publish;
 * the next publish then starts a new epoch, as after a flush. Durability is Redis's own
 * (AOF or RDB): a Redis restarted with its data keeps every epoch and offset.
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
import type { RedisClient } from '../redis/connect.js'
import type { RedisKeys } from '../redis/keys.js'
import { withScripts, type ChannelScripts } from '../redis/scripts.js'
import { isComplete, newEpoch } from './epoch.js'

export interface RedisHistoryOptions {
  /** Where appends are published, as `{ sharded }` pub/sub; absent appends publish nothing. */
  fanOut?: { sharded: boolean }
  now?: () => number
}

export class RedisHistory implements HistoryStore {
  private readonly redis: RedisClient & ChannelScripts
  /** Epoch reported for channels that have no stream; offset 0 is valid in every epoch. */
  private readonly emptyEpoch = newEpoch()
  private readonly now: () => number

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: RedisHistoryOptions = {},
  ) {
    this.redis = withScripts(redis)
    this.now = options.now ?? Date.now
  }

  async append(
    channel: string,
    event: string,
    data: string,
    options: AppendOptions,
  ): Promise<AppendResult> {
    const keys = [this.keys.meta(channel), this.keys.stream(channel)]
    if (options.idempotencyKey !== undefined) {
      keys.push(this.keys.idempotency(channel, options.idempotencyKey))
    }
    const fanOut = this.options.fanOut
    const [offset, epoch, duplicate] = await this.redis.sbPublish(
      keys.length,
      ...keys,
      event,
      data,
      options.historySize,
      options.historyTtlMs,
      options.idempotencyWindowMs,
      this.now(),
      newEpoch(),
      fanOut === undefined ? '' : this.keys.pubsub(channel),
      fanOut?.sharded === true ? '1' : '0',
    )
    return { offset, epoch, duplicate: duplicate === 1 }
  }

  async read(channel: string, options: ReadOptions): Promise<ReadResult> {
    const reply = await this.redis.sbRead(
      this.keys.meta(channel),
      this.keys.stream(channel),
      options.afterOffset,
      options.limit,
      this.now(),
    )
    const top = Number(reply[0])
    const epoch = String(reply[1]) || this.emptyEpoch
    const first = Number(reply[2]) || undefined
    const publications: StoredPublication[] = []
    for (let i = 3; i + 2 < reply.length; i += 3) {
      publications.push({
        offset: Number(reply[i]),
        event: String(reply[i + 1]),
        data: String(reply[i + 2]),
      })
    }
    const position = { offset: top, epoch }
    return { publications, position, complete: isComplete(options.afterOffset, first, top) }
  }

  async position(channel: string): Promise<StreamPosition> {
    const [epoch, top] = await this.redis.hmget(this.keys.meta(channel), 'epoch', 'top')
    if (!epoch) return { offset: 0, epoch: this.emptyEpoch }
    return { offset: Number(top), epoch }
  }

  /** The connection belongs to whoever opened it. */
  async close(): Promise<void> {}
}
