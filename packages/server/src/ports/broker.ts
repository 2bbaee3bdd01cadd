/**
 * Broker port: carries publications and presence events to every node that has subscribers
 * for a channel, and owns the channel streams (offsets, epochs, history).
 *
 * Guarantees every implementation gives (checked by test/conformance/broker.ts):
 * - `publish` resolves after the publication is durable in history (when the channel keeps
 *   history) and has been handed to every subscribed node, in offset order per channel.
 * - The handler sees publications of a channel in increasing offset order, each once, as long
 *   as this node is subscribed to the channel. It sees nothing for unsubscribed channels.
 * - A duplicate publish (same idempotency key in its window) is not delivered.
 * - Presence events are delivered at most once, in the order they were published per channel.
 * - Never silent loss: when a broker whose transport between nodes can drop publications
 *   (Redis pub/sub during a disconnection) cannot fill the gap from history, it calls
 *   `onStreamLost` for the channel instead. The in-process broker never loses any.
 */
import type { PresenceMember, StreamPosition } from '@switchboard/protocol'
import type { AppendOptions, ReadOptions, ReadResult, StoredPublication } from './history.js'

export interface BrokerHandler {
  onPublication(channel: string, publication: StoredPublication, epoch: string): void
  onPresence(channel: string, type: 'join' | 'leave', member: PresenceMember): void
  /**
   * Publications of the channel were missed by this node and are no longer in history: its
   * local subscribers must start over (they recover with `recovered: false`).
   */
  onStreamLost(channel: string): void
}

export interface BrokerPublishResult extends StreamPosition {
  duplicate: boolean
}

export interface Broker {
  setHandler(handler: BrokerHandler): void
  /** Starts delivering the channel's publications to this node's handler. */
  subscribe(channel: string): Promise<void>
  /** Stops delivering the channel's publications to this node. */
  unsubscribe(channel: string): Promise<void>
  publish(
    channel: string,
    event: string,
    data: string,
    options: AppendOptions,
  ): Promise<BrokerPublishResult>
  publishPresence(channel: string, type: 'join' | 'leave', member: PresenceMember): Promise<void>
  history(channel: string, options: ReadOptions): Promise<ReadResult>
  position(channel: string): Promise<StreamPosition>
  /** Whether the broker can serve requests now (reported on /readyz). */
  ready(): boolean
  close(): Promise<void>
}
