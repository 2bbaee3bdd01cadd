/**
 * Turns hub events into webhook events and hands each to every webhook that wants it (by type,
 * namespace and, for publications, source). Every event gets its own id once, shared by all
 * webhooks and all retries.
 */
import { randomUUID } from 'node:crypto'
import { namespaceOf, type PresenceMember } from '@switchboard/protocol'
import type { Logger } from 'pino'
import type { WebhookEventType, WebhookOptions } from '../config/defaults.js'
import type { HubEvents } from '../hub/hub.js'
import { WebhookDelivery, type DeliveryOutcome, type WebhookEvent } from './delivery.js'

export interface WebhookCounters {
  count(webhook: string, outcome: DeliveryOutcome, events: number): void
}

export class WebhookDispatcher implements HubEvents {
  readonly deliveries: WebhookDelivery[]

  constructor(webhooks: WebhookOptions[], counters: WebhookCounters, logger: Logger) {
    this.deliveries = webhooks.map(
      (options) =>
        new WebhookDelivery(
          options,
          { count: (outcome, events) => counters.count(options.url, outcome, events) },
          logger,
        ),
    )
  }

  channelOccupied(channel: string): void {
    this.emit('channel_occupied', channel, {})
  }

  channelVacated(channel: string): void {
    this.emit('channel_vacated', channel, {})
  }

  memberJoined(channel: string, member: PresenceMember): void {
    this.emit('member_added', channel, { member })
  }

  memberLeft(channel: string, member: PresenceMember): void {
    this.emit('member_removed', channel, { member })
  }

  published(
    channel: string,
    publication: { event: string; data: string; offset: number; epoch: string },
    source: 'client' | 'server',
  ): void {
    if (this.deliveries.length === 0) return
    const fields = {
      event: publication.event,
      data: JSON.parse(publication.data) as unknown,
      offset: publication.offset,
      epoch: publication.epoch,
      source,
    }
    this.emit('publication', channel, fields, source)
  }

  close(): void {
    for (const delivery of this.deliveries) delivery.close()
  }

  private emit(
    type: WebhookEventType,
    channel: string,
    fields: Record<string, unknown>,
    source?: 'client' | 'server',
  ): void {
    let event: WebhookEvent | undefined
    for (const delivery of this.deliveries) {
      if (!wants(delivery.options, type, channel, source)) continue
      event ??= { id: randomUUID(), type, time: Date.now(), channel, ...fields }
      delivery.push(event)
    }
  }
}

function wants(
  options: WebhookOptions,
  type: WebhookEventType,
  channel: string,
  source: 'client' | 'server' | undefined,
): boolean {
  if (!options.events.includes(type)) return false
  if (options.namespaces !== undefined && !options.namespaces.includes(namespaceOf(channel))) {
    return false
  }
  return source === undefined || options.sources.includes(source)
}
