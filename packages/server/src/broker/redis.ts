/**
 * Redis broker: nodes sharing one Redis (standalone or Cluster) behave to clients like one
 * node. Streams live in Redis (`history/redis.ts`): one script assigns the offset, appends,
 * records the idempotency key and publishes to the channel's pub/sub channel (sharded on
 * Redis 7 and in a Cluster). Each node subscribes to a channel once while it has local
 * subscribers, and a `ChannelSync` per channel turns the lossy pub/sub stream into an ordered,
 * gap-free one by reading missed publications from history, or reports the channel lost.
 *
 * Pub/sub message format (text): `p\n<offset>\n<epoch>\n<event>\n<data>` for a publication,
 * `j\n<member JSON>` and `l\n<member JSON>` for presence joins and leaves.
 */
import type { PresenceMember, StreamPosition } from '@switchboard/protocol'
import type { Logger } from 'pino'
import { RedisHistory } from '../history/redis.js'
import type { Broker, BrokerHandler, BrokerPublishResult } from '../ports/broker.js'
import type { AppendOptions, ReadOptions, ReadResult } from '../ports/history.js'
import type { RedisConnections } from '../redis/connect.js'
import type { RedisKeys } from '../redis/keys.js'
import { requireRedis, unavailable } from '../redis/unavailable.js'
import { ChannelSync } from './channel-sync.js'

/** Delay before a failed catch-up read is tried again, in ms. */
const CATCH_UP_RETRY_MS = 500

export class RedisBroker implements Broker {
  private handler: BrokerHandler | undefined
  private readonly channels = new Map<string, ChannelSync>()
  private readonly streams: RedisHistory
  /** Whether the pub/sub connection was lost since the subscriptions were last restored. */
  private disconnected = false
  private closed = false

  constructor(
    private readonly redis: RedisConnections,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
  ) {
    this.streams = new RedisHistory(redis.commands, keys, { fanOut: { sharded: redis.sharded } })
    const event = redis.sharded ? 'smessage' : 'message'
    redis.subscriber.on(event, (pubsub: string, message: string) => this.receive(pubsub, message))
    redis.subscriber.on('close', () => {
      this.disconnected = true
      for (const sync of this.channels.values()) sync.suspend()
    })
    redis.subscriber.on('ready', () => {
      if (!this.disconnected) return
      this.disconnected = false
      void this.restore()
    })
  }

  setHandler(handler: BrokerHandler): void {
    this.handler = handler
  }

  async subscribe(channel: string): Promise<void> {
    this.guard()
    const sync = new ChannelSync({
      read: (afterOffset, limit) => this.streams.read(channel, { afterOffset, limit }),
      deliver: (publication, epoch) => this.handler?.onPublication(channel, publication, epoch),
      lost: () => {
        this.logger.warn({ channel }, 'publications lost for this node: subscribers resync')
        this.handler?.onStreamLost(channel)
      },
      failed: (error) => {
        this.logger.debug({ err: error, channel }, 'catch-up read failed; retrying')
        this.retryResync(channel, sync)
      },
    })
    this.channels.get(channel)?.close()
    this.channels.set(channel, sync)

    try {
      await this.pubsub('subscribe', [channel])
      // Read after subscribing: whatever is published from now on arrives live, and the
      // sync orders the two.
      sync.start(await this.streams.position(channel))
    } catch (error) {
      if (this.channels.get(channel) === sync) this.channels.delete(channel)
      sync.close()
      throw unavailable(error)
    }
  }

  async unsubscribe(channel: string): Promise<void> {
    const sync = this.channels.get(channel)
    if (sync === undefined) return
    sync.close()
    this.channels.delete(channel)
    if (this.redis.ready()) await this.pubsub('unsubscribe', [channel])
  }

  async publish(
    channel: string,
    event: string,
    data: string,
    options: AppendOptions,
  ): Promise<BrokerPublishResult> {
    this.guard()
    try {
      return await this.streams.append(channel, event, data, options)
    } catch (error) {
      throw unavailable(error)
    }
  }

  async publishPresence(
    channel: string,
    type: 'join' | 'leave',
    member: PresenceMember,
  ): Promise<void> {
    this.guard()
    const message = `${type === 'join' ? 'j' : 'l'}\n${JSON.stringify(member)}`
    const command = this.redis.sharded ? 'spublish' : 'publish'
    try {
      await this.redis.commands[command](this.keys.pubsub(channel), message)
    } catch (error) {
      throw unavailable(error)
    }
  }

  async history(channel: string, options: ReadOptions): Promise<ReadResult> {
    this.guard()
    try {
      return await this.streams.read(channel, options)
    } catch (error) {
      throw unavailable(error)
    }
  }

  async position(channel: string): Promise<StreamPosition> {
    this.guard()
    try {
      return await this.streams.position(channel)
    } catch (error) {
      throw unavailable(error)
    }
  }

  ready(): boolean {
    return this.redis.ready()
  }

  async close(): Promise<void> {
    this.closed = true
    for (const sync of this.channels.values()) sync.close()
    this.channels.clear()
    await this.redis.close()
  }

  /** After a reconnection: subscribe again to every channel, then read what was missed. */
  private async restore(): Promise<void> {
    const channels = [...this.channels.keys()]
    this.logger.info({ channels: channels.length }, 'redis is back: restoring subscriptions')
    try {
      for (let i = 0; i < channels.length; i += 500) {
        await this.pubsub('subscribe', channels.slice(i, i + 500))
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'restoring subscriptions failed; retrying')
      setTimeout(() => {
        if (!this.closed) void this.restore()
      }, CATCH_UP_RETRY_MS).unref()
      return
    }
    for (const channel of channels) this.channels.get(channel)?.resync()
  }

  /** Tries a failed catch-up again once Redis answers, for as long as the channel is held. */
  private retryResync(channel: string, sync: ChannelSync): void {
    setTimeout(() => {
      if (this.channels.get(channel) !== sync) return
      if (this.redis.ready()) sync.resync()
      else this.retryResync(channel, sync)
    }, CATCH_UP_RETRY_MS).unref()
  }

  private async pubsub(action: 'subscribe' | 'unsubscribe', channels: string[]): Promise<void> {
    const names = channels.map((channel) => this.keys.pubsub(channel))
    const subscriber = this.redis.subscriber
    if (!this.redis.sharded) {
      await subscriber[action](...names)
      return
    }
    // A sharded subscription names channels of one slot; each channel has its own slot.
    const command = action === 'subscribe' ? 'ssubscribe' : 'sunsubscribe'
    await Promise.all(names.map((name) => subscriber[command](name)))
  }

  private receive(pubsub: string, message: string): void {
    const channel = this.keys.channelOf(pubsub)
    if (channel === undefined) return
    const sync = this.channels.get(channel)
    if (sync === undefined) return

    const kind = message[0]
    if (kind === 'j' || kind === 'l') {
      const member = JSON.parse(message.slice(2)) as PresenceMember
      this.handler?.onPresence(channel, kind === 'j' ? 'join' : 'leave', member)
      return
    }
    const offsetEnd = message.indexOf('\n', 2)
    const epochEnd = message.indexOf('\n', offsetEnd + 1)
    const eventEnd = message.indexOf('\n', epochEnd + 1)
    const publication = {
      offset: Number(message.slice(2, offsetEnd)),
      event: message.slice(epochEnd + 1, eventEnd),
      data: message.slice(eventEnd + 1),
    }
    sync.receive(publication, message.slice(offsetEnd + 1, epochEnd))
  }

  private guard(): void {
    requireRedis(this.redis)
  }
}
