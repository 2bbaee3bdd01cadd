/**
 * In-process broker: the reference implementation of the broker port, for a single node.
 * Streams live in the given history store (memory or SQLite); delivery is a direct call to
 * the handler, made right after the append, so a channel's publications reach the handler in
 * offset order.
 */
import type { PresenceMember, StreamPosition } from '@switchboard/protocol'
import type { Broker, BrokerHandler, BrokerPublishResult } from '../ports/broker.js'
import type { AppendOptions, HistoryStore, ReadOptions, ReadResult } from '../ports/history.js'

export class MemoryBroker implements Broker {
  private handler: BrokerHandler | undefined
  private readonly subscribed = new Set<string>()

  constructor(private readonly streams: HistoryStore) {}

  setHandler(handler: BrokerHandler): void {
    this.handler = handler
  }

  async subscribe(channel: string): Promise<void> {
    this.subscribed.add(channel)
  }

  async unsubscribe(channel: string): Promise<void> {
    this.subscribed.delete(channel)
  }

  async publish(
    channel: string,
    event: string,
    data: string,
    options: AppendOptions,
  ): Promise<BrokerPublishResult> {
    const result = await this.streams.append(channel, event, data, options)
    if (!result.duplicate && this.subscribed.has(channel)) {
      this.handler?.onPublication(channel, { offset: result.offset, event, data }, result.epoch)
    }
    return result
  }

  async publishPresence(
    channel: string,
    type: 'join' | 'leave',
    member: PresenceMember,
  ): Promise<void> {
    if (this.subscribed.has(channel)) this.handler?.onPresence(channel, type, member)
  }

  history(channel: string, options: ReadOptions): Promise<ReadResult> {
    return this.streams.read(channel, options)
  }

  position(channel: string): Promise<StreamPosition> {
    return this.streams.position(channel)
  }

  ready(): boolean {
    return true
  }

  async close(): Promise<void> {
    await this.streams.close()
  }
}
