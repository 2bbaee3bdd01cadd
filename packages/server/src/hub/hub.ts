/**
 * The hub: channels with their local subscribers, and every channel operation (subscribe with
 * recovery, publish, presence, history) shared by all transports. Permission checks live here
 * so that WebSocket, SSE and the HTTP API enforce the same rules.
 */
import {
  CloseCode,
  DEFAULT_EVENT,
  ErrorCode,
  channelNameProblem,
  eventNameProblem,
  type PresenceMember,
  type PublishResult,
  type StreamPosition,
  type SubscribeResult,
} from '@switchboard/protocol'
import type { Logger } from 'pino'
import type { Limits, NamespaceOptions } from '../config/defaults.js'
import type { Connection } from '../connection/connection.js'
import { SwitchboardError } from '../errors.js'
import type { ServerStats } from '../metrics.js'
import type { Broker } from '../ports/broker.js'
import type { StoredPublication } from '../ports/history.js'
import type { PresenceStore } from '../ports/presence.js'
import type { Namespaces } from './namespaces.js'
import { OutgoingPresence, OutgoingPublication } from './publication.js'
import { Subscription } from './subscription.js'

/** A channel with subscribers on this node. */
interface LocalChannel {
  readonly name: string
  /** The name as a JSON string, encoded once for every push of the channel. */
  readonly nameJson: string
  readonly subscribers: Set<Subscription>
  /** Resolves when the broker delivers the channel to this node. */
  readonly brokerSubscribed: Promise<void>
}

export interface PublishInput {
  channel: string
  event?: string | undefined
  /** JSON text of the value to publish. */
  data: string
  /** The same value, parsed: what the namespace's schema checks. */
  value: unknown
  idempotencyKey?: string | undefined
}

/** Who asks: a client connection, or the server side (HTTP API), which may do anything. */
export type Caller = Connection | 'server'

/**
 * What happens on channels, for webhooks. Called after the fact, never awaited; occupied and
 * vacated are per node, joins and leaves once per user across the cluster.
 */
export interface HubEvents {
  channelOccupied(channel: string): void
  channelVacated(channel: string): void
  memberJoined(channel: string, member: PresenceMember): void
  memberLeft(channel: string, member: PresenceMember): void
  published(
    channel: string,
    publication: { event: string; data: string; offset: number; epoch: string },
    source: 'client' | 'server',
  ): void
}

export interface HubDependencies {
  events?: HubEvents
  broker: Broker
  presence: PresenceStore
  namespaces: Namespaces
  limits: Limits
  stats: ServerStats
  logger: Logger
}

export class Hub {
  private readonly channels = new Map<string, LocalChannel>()
  private subscriptionCount = 0

  constructor(private readonly deps: HubDependencies) {
    deps.broker.setHandler({
      onPublication: (channel, publication, epoch) => this.fanOut(channel, publication, epoch),
      onPresence: (channel, type, member) => this.fanOutPresence(channel, type, member),
      onStreamLost: (channel) => this.resetChannel(channel),
    })
  }

  /** Channels with local subscribers, and how many. */
  channelList(): Array<{ channel: string; subscribers: number }> {
    return [...this.channels.values()].map((c) => ({
      channel: c.name,
      subscribers: c.subscribers.size,
    }))
  }

  get channelCount(): number {
    return this.channels.size
  }

  get subscriptions(): number {
    return this.subscriptionCount
  }

  /**
   * Subscribes a connection. With `since`, every publication after that position is delivered
   * before live ones when the history still holds them (`recovered: true`); otherwise only
   * live ones follow (`recovered: false`). `onResult` runs before any publication is queued,
   * so the reply precedes the channel's pushes.
   */
  async subscribe(
    connection: Connection,
    channel: string,
    since: StreamPosition | undefined,
    onResult: (result: SubscribeResult) => void,
    /** Subscribed by the server (a function): client permissions do not apply. */
    trusted = false,
  ): Promise<void> {
    const options = this.check(trusted ? 'server' : connection, channel, 'subscribe')
    if (connection.subscriptions.has(channel)) {
      throw new SwitchboardError(ErrorCode.AlreadySubscribed, `already subscribed to ${channel}`)
    }
    const plan = connection.identity.plan
    if (connection.subscriptions.size >= plan.maxSubscriptions) {
      throw new SwitchboardError(
        ErrorCode.TooManySubscriptions,
        `connection holds ${connection.subscriptions.size} subscriptions, the limit of plan ${plan.name} (maxSubscriptions) is ${plan.maxSubscriptions}`,
      )
    }

    const local = this.localChannel(channel)
    const subscription = new Subscription(channel, connection)
    connection.subscriptions.set(channel, subscription)
    local.subscribers.add(subscription)
    this.subscriptionCount++

    try {
      await local.brokerSubscribed
      const recovery = await this.recover(local, since, options)
      if (connection.subscriptions.get(channel) !== subscription) return

      onResult(recovery.result)
      subscription.activate(recovery.missed, recovery.result.offset, recovery.result.epoch)
    } catch (error) {
      this.removeSubscription(connection, channel)
      throw error
    }

    if (!options.presence) return
    await this.join(connection, channel)
    // The connection may have left while the join was in flight: undo it.
    if (connection.subscriptions.get(channel) !== subscription)
      await this.leave(connection, channel)
  }

  private async recover(
    local: LocalChannel,
    since: StreamPosition | undefined,
    options: NamespaceOptions,
  ): Promise<{ result: SubscribeResult; missed: OutgoingPublication[] }> {
    const channel = local.name
    if (since === undefined) {
      const position = await this.deps.broker.position(channel)
      return { result: { channel, ...position }, missed: [] }
    }

    // Offset 0 means "before the first publication", which every epoch shares.
    const read = await this.deps.broker.history(channel, {
      afterOffset: since.offset,
      limit: Math.max(options.historySize, 1),
    })
    const { position } = read
    const sameStream = since.offset === 0 || since.epoch === position.epoch
    const last = read.publications.at(-1)?.offset ?? since.offset
    const recovered = sameStream && read.complete && last === position.offset
    const result = { channel, epoch: position.epoch, offset: position.offset, recovered }
    if (!recovered) return { result, missed: [] }

    const missed = read.publications.map((p) =>
      OutgoingPublication.fromStored(local.nameJson, p, position.epoch),
    )
    return { result, missed }
  }

  async unsubscribe(connection: Connection, channel: string): Promise<void> {
    if (!connection.subscriptions.has(channel)) {
      throw new SwitchboardError(ErrorCode.NotSubscribed, `not subscribed to ${channel}`)
    }
    this.removeSubscription(connection, channel)
    if (this.deps.namespaces.forChannel(channel).presence) await this.leave(connection, channel)
  }

  /** Drops every subscription of a closed connection. Never throws. */
  disconnect(connection: Connection): void {
    for (const channel of [...connection.subscriptions.keys()]) {
      this.removeSubscription(connection, channel)
      if (this.deps.namespaces.forChannel(channel).presence) {
        this.leave(connection, channel).catch((error: unknown) => {
          this.deps.logger.warn({ err: error, channel }, 'presence leave failed')
        })
      }
    }
  }

  async publish(caller: Caller, input: PublishInput): Promise<PublishResult> {
    const options = this.check(caller, input.channel, 'publish')
    const event = input.event ?? DEFAULT_EVENT
    const eventProblem = eventNameProblem(event)
    if (eventProblem !== undefined) throw new SwitchboardError(ErrorCode.InvalidEvent, eventProblem)
    const size = Buffer.byteLength(input.data)
    const maxBytes = this.deps.limits.maxMessageBytes
    if (size > maxBytes) {
      throw new SwitchboardError(
        ErrorCode.MessageTooLarge,
        `data is ${size} bytes as JSON, the limit (limits.maxMessageBytes) is ${maxBytes}`,
      )
    }
    const schemaProblem = this.deps.namespaces.schemaProblem(input.channel, input.value)
    if (schemaProblem !== undefined) {
      throw new SwitchboardError(ErrorCode.InvalidPayload, schemaProblem)
    }

    const result = await this.deps.broker.publish(input.channel, event, input.data, {
      historySize: options.historySize,
      historyTtlMs: options.historyTtlMs,
      idempotencyWindowMs: options.idempotencyWindowMs,
      idempotencyKey: input.idempotencyKey,
    })
    const reply: PublishResult = { offset: result.offset, epoch: result.epoch }
    if (result.duplicate) {
      reply.duplicate = true
      return reply
    }
    this.deps.events?.published(
      input.channel,
      { event, data: input.data, offset: result.offset, epoch: result.epoch },
      caller === 'server' ? 'server' : 'client',
    )
    return reply
  }

  async presence(caller: Caller, channel: string): Promise<PresenceMember[]> {
    this.check(caller, channel, 'presence')
    return this.deps.presence.members(channel)
  }

  async history(
    caller: Caller,
    channel: string,
    since: StreamPosition | undefined,
    limit: number | undefined,
  ): Promise<{ publications: StoredPublication[]; epoch: string; offset: number }> {
    this.check(caller, channel, 'history')
    const maxLimit = this.deps.limits.maxHistoryLimit
    if (limit !== undefined && limit > maxLimit) {
      throw new SwitchboardError(
        ErrorCode.LimitExceeded,
        `limit is ${limit}, the most (limits.maxHistoryLimit) is ${maxLimit}`,
      )
    }

    const read = await this.deps.broker.history(channel, {
      afterOffset: since?.offset ?? 0,
      limit: limit ?? maxLimit,
    })
    const { position } = read
    if (since !== undefined) {
      const sameStream = since.offset === 0 || since.epoch === position.epoch
      if (!sameStream || !read.complete) {
        throw new SwitchboardError(
          ErrorCode.UnrecoverablePosition,
          `position ${since.offset} in epoch ${since.epoch} is no longer in history (current epoch ${position.epoch}, offset ${position.offset})`,
        )
      }
    }
    return { publications: read.publications, epoch: position.epoch, offset: position.offset }
  }

  /** Whether the connection may do `operation` on the channel now. */
  allows(
    connection: Connection,
    channel: string,
    operation: 'subscribe' | 'publish' | 'presence' | 'history',
  ): boolean {
    try {
      this.check(connection, channel, operation)
      return true
    } catch {
      return false
    }
  }

  /** Throws the error `subscribe` would give for the channel's name or permissions. */
  checkSubscribe(connection: Connection, channel: string): void {
    this.check(connection, channel, 'subscribe')
  }

  /** Validates the channel name and the caller's right to `operation`; returns its options. */
  private check(
    caller: Caller,
    channel: string,
    operation: 'subscribe' | 'publish' | 'presence' | 'history',
  ): NamespaceOptions {
    const problem = channelNameProblem(channel, this.deps.limits.maxChannelLength)
    if (problem !== undefined) throw new SwitchboardError(ErrorCode.InvalidChannel, problem)
    const options = this.deps.namespaces.forChannel(channel)

    if (operation === 'presence' && !options.presence) {
      throw new SwitchboardError(ErrorCode.PresenceDisabled, `presence is off for ${channel}`)
    }
    if (caller === 'server') return options

    if (caller.pending) {
      throw new SwitchboardError(
        ErrorCode.Unauthorized,
        'send {"action":"connect","token":"..."} before any other request',
      )
    }
    const grants = caller.identity.grants
    if (grants !== undefined && !grants.allows(channel, operation)) {
      throw new SwitchboardError(
        ErrorCode.Forbidden,
        `the token does not grant ${operation} on ${channel}`,
      )
    }
    if (operation === 'history' && !caller.identity.plan.history) {
      throw new SwitchboardError(
        ErrorCode.Forbidden,
        `plan ${caller.identity.plan.name} does not include history`,
      )
    }
    if (caller.anonymous && !options.public) {
      throw new SwitchboardError(
        ErrorCode.Forbidden,
        `anonymous connections may not use ${channel}: its namespace is not public`,
      )
    }
    // An explicit grant of publish outranks the namespace's default for clients.
    if (operation === 'publish' && grants === undefined && !options.clientPublish) {
      throw new SwitchboardError(
        ErrorCode.Forbidden,
        `clients may not publish to ${channel}: clientPublish is off for its namespace`,
      )
    }
    return options
  }

  private localChannel(channel: string): LocalChannel {
    let local = this.channels.get(channel)
    if (local !== undefined) return local

    local = {
      name: channel,
      nameJson: JSON.stringify(channel),
      subscribers: new Set(),
      brokerSubscribed: this.deps.broker.subscribe(channel),
    }
    // A failed broker subscription is reported to the subscribers awaiting it; don't let it
    // surface as an unhandled rejection when none is awaiting.
    local.brokerSubscribed.catch(() => undefined)
    this.channels.set(channel, local)
    this.deps.events?.channelOccupied(channel)
    return local
  }

  private removeSubscription(connection: Connection, channel: string): void {
    const subscription = connection.subscriptions.get(channel)
    if (subscription === undefined) return
    connection.subscriptions.delete(channel)
    this.subscriptionCount--

    const local = this.channels.get(channel)
    if (local === undefined) return
    local.subscribers.delete(subscription)
    if (local.subscribers.size > 0) return

    this.channels.delete(channel)
    this.deps.events?.channelVacated(channel)
    this.deps.broker.unsubscribe(channel).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, channel }, 'broker unsubscribe failed')
    })
  }

  private async join(connection: Connection, channel: string): Promise<void> {
    const member = connection.member()
    const { first } = await this.deps.presence.join(channel, connection.id, member)
    if (!first) return
    await this.deps.broker.publishPresence(channel, 'join', member)
    this.deps.events?.memberJoined(channel, member)
  }

  private async leave(connection: Connection, channel: string): Promise<void> {
    const { last, member } = await this.deps.presence.leave(channel, connection.id)
    if (!last || member === undefined) return
    await this.deps.broker.publishPresence(channel, 'leave', member)
    this.deps.events?.memberLeft(channel, member)
  }

  private fanOut(channel: string, stored: StoredPublication, epoch: string): void {
    const local = this.channels.get(channel)
    if (local === undefined) return

    const publication = OutgoingPublication.fromStored(local.nameJson, stored, epoch)
    for (const subscription of local.subscribers) subscription.push(publication)
    this.deps.stats.deliveries += local.subscribers.size
  }

  /**
   * This node missed publications of the channel that history no longer holds. Its
   * subscribers' connections are told to reconnect: they subscribe again with their
   * position, learn `recovered: false`, and the application reloads its state.
   */
  private resetChannel(channel: string): void {
    const local = this.channels.get(channel)
    if (local === undefined) return
    this.deps.logger.warn(
      { channel, subscribers: local.subscribers.size },
      'channel publications lost on this node: its subscribers reconnect',
    )
    for (const subscription of [...local.subscribers]) {
      subscription.connection.close(CloseCode.ForceReconnect)
    }
  }

  private fanOutPresence(channel: string, type: 'join' | 'leave', member: PresenceMember): void {
    const local = this.channels.get(channel)
    if (local === undefined) return
    const event = new OutgoingPresence(channel, type, member)
    for (const subscription of local.subscribers) {
      if (subscription.active) subscription.connection.deliverPresence(event)
    }
  }
}
