/**
 * A channel as the application sees it: handlers that get each publication once and in
 * order, publish through the outbox, presence and history.
 *
 * Exactly-once and in-order delivery rests on positions: the channel remembers the offset
 * and epoch of the last publication its handlers saw, resubscribes from there, drops what it
 * has already seen, and fills a gap (a publication beyond the next offset) from history
 * before going on. When the server cannot deliver what was missed, `reset` fires.
 */
import { ClientErrorCode, ErrorCode } from '@switchboard/protocol'
import { Emitter } from './emitter.js'
import { SwitchboardError } from './errors.js'
import { Presence } from './presence.js'
import type {
  HistoryPage,
  Member,
  Message,
  MessagePush,
  PublishAck,
  ReplyBody,
  RequestFrame,
  ResetInfo,
  StreamPosition,
  SubscribedInfo,
} from './types.js'

export interface ChannelEvents {
  /** A (re)subscribe took effect. */
  subscribed: [info: SubscribedInfo]
  /** Publications were lost (history trimmed, or the stream's epoch changed): reload state. */
  reset: [info: ResetInfo]
  /** The server refused the subscription, or a presence or history call failed. */
  error: [error: SwitchboardError]
}

export interface PublishOptions {
  /** Event name. @default 'message' */
  event?: string
  /** Key that makes resends harmless; the SDK generates one when absent. */
  idempotencyKey?: string
}

/** What a channel needs from its client. */
export interface ChannelHost {
  attach(channel: string): void
  detach(channel: string): void
  request(frame: RequestFrame): Promise<ReplyBody>
  publish(frame: RequestFrame, bytes: number): Promise<PublishAck>
  nextIdempotencyKey(): string
}

export class Channel<T = unknown> {
  private readonly emitter = new Emitter<ChannelEvents>()
  private readonly handlers = new Set<(message: Message<T>) => void>()
  private lastSeen: StreamPosition | undefined
  /** Pushes held back while a gap is filled from history. */
  private held: MessagePush[] | undefined
  readonly presence: Presence

  constructor(
    readonly name: string,
    private readonly host: ChannelHost,
  ) {
    this.presence = new Presence(() => this.fetchMembers())
  }

  /** Position of the last publication delivered to handlers. */
  get position(): StreamPosition | undefined {
    return this.lastSeen
  }

  /** Whether any handler is subscribed. */
  get subscribed(): boolean {
    return this.handlers.size > 0
  }

  /**
   * Adds a handler; the first one subscribes the channel on the server. Returns a function
   * that removes the handler; removing the last one unsubscribes.
   */
  subscribe(handler: (message: Message<T>) => void): () => void {
    this.handlers.add(handler)
    if (this.handlers.size === 1) this.host.attach(this.name)
    return () => {
      if (!this.handlers.delete(handler) || this.handlers.size > 0) return
      this.lastSeen = undefined
      this.held = undefined
      this.host.detach(this.name)
    }
  }

  on<K extends keyof ChannelEvents>(
    event: K,
    listener: (...args: ChannelEvents[K]) => void,
  ): () => void {
    return this.emitter.on(event, listener)
  }

  /**
   * Publishes through the outbox: sent now when connected, else when the connection is back.
   * Resolves with the server's acknowledgement.
   */
  publish(data: T, options: PublishOptions = {}): Promise<PublishAck> {
    const json = JSON.stringify(data)
    if (json === undefined) {
      return Promise.reject(
        new SwitchboardError(ErrorCode.BadRequest, 'data must be JSON-encodable'),
      )
    }
    const frame: RequestFrame = {
      action: 'publish',
      channel: this.name,
      data,
      idempotencyKey: options.idempotencyKey ?? this.host.nextIdempotencyKey(),
    }
    if (options.event !== undefined) frame.event = options.event
    return this.host.publish(frame, utf8Length(json))
  }

  /** Publications after `since` (all kept ones when absent), at most `limit`. */
  async history(options: { since?: StreamPosition; limit?: number } = {}): Promise<HistoryPage> {
    const frame: RequestFrame = { action: 'history', channel: this.name }
    if (options.since !== undefined) frame.since = options.since
    if (options.limit !== undefined) frame.limit = options.limit
    return (await this.host.request(frame)) as unknown as HistoryPage
  }

  /** @internal */
  handleSubscribed(info: SubscribedInfo): void {
    const previous = this.lastSeen
    const resumeFrom = { offset: info.offset, epoch: info.epoch }
    if (info.recovered === false) {
      this.lastSeen = resumeFrom
      this.held = undefined
      this.emitter.emit('reset', { channel: this.name, lastSeen: previous, resumeFrom })
    } else if (previous === undefined) {
      this.lastSeen = resumeFrom
    } else if (previous.offset === 0) {
      // Offset 0 is valid in every epoch: nothing was seen, so the new epoch is simply adopted.
      this.lastSeen = { offset: 0, epoch: info.epoch }
    }
    this.emitter.emit('subscribed', info)
    this.presence.resync()
  }

  /** @internal */
  handleMessage(push: MessagePush): void {
    if (this.handlers.size === 0) return
    if (this.held !== undefined) {
      this.held.push(push)
      return
    }
    const last = this.lastSeen
    if (last === undefined || this.follows(last, push)) {
      this.deliver(push)
      return
    }
    if (push.epoch === last.epoch && push.offset <= last.offset) return
    this.held = [push]
    void this.fillGap()
  }

  /** @internal */
  handleError(error: SwitchboardError): void {
    this.emitter.emit('error', error)
  }

  private follows(last: StreamPosition, push: MessagePush): boolean {
    if (push.offset !== last.offset + 1) return false
    return push.epoch === last.epoch || last.offset === 0
  }

  private deliver(push: MessagePush): void {
    this.lastSeen = { offset: push.offset, epoch: push.epoch }
    const message: Message<T> = {
      channel: this.name,
      event: push.event,
      data: push.data as T,
      offset: push.offset,
      epoch: push.epoch,
    }
    for (const handler of [...this.handlers]) {
      try {
        handler(message)
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  /** Delivers what history holds between the last seen position and the held pushes. */
  private async fillGap(): Promise<void> {
    let failure: unknown
    try {
      while (this.gapRemains()) {
        const before = this.lastSeen!.offset
        const page = await this.history({ since: this.lastSeen! })
        if (this.held === undefined) return
        for (const p of page.publications) {
          if (p.offset > this.lastSeen!.offset) {
            this.deliver({ type: 'message', channel: this.name, ...p, epoch: page.epoch })
          }
        }
        if (this.lastSeen!.offset === before) break
      }
    } catch (error) {
      failure = error
    }
    if (this.held === undefined) return
    if (failure instanceof SwitchboardError && failure.code === ClientErrorCode.Disconnected) {
      // The resubscribe after the reconnect replays from the last seen position.
      this.held = undefined
      return
    }

    const first = this.held[0]!
    if (this.gapRemains()) {
      const resumeFrom = { offset: first.offset - 1, epoch: first.epoch }
      this.emitter.emit('reset', { channel: this.name, lastSeen: this.lastSeen, resumeFrom })
      this.lastSeen = resumeFrom
    }
    const held = this.held
    this.held = undefined
    for (const push of held) this.handleMessage(push)
  }

  /** Whether the first held push lies beyond the publication after the last seen one. */
  private gapRemains(): boolean {
    const last = this.lastSeen
    const first = this.held?.[0]
    if (last === undefined || first === undefined || this.follows(last, first)) return false
    return !(first.epoch === last.epoch && first.offset <= last.offset)
  }

  private async fetchMembers(): Promise<Member[]> {
    const reply = await this.host.request({ action: 'presence', channel: this.name })
    return reply.members as Member[]
  }
}

/** UTF-8 size of a string, in bytes, without encoding it. */
function utf8Length(text: string): number {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    // Surrogate pairs count 2 units for 4 bytes; other code units above 0x7f take 2 or 3.
    if (unit >= 0xd800 && unit <= 0xdfff) bytes += 1
    else if (unit > 0x7ff) bytes += 2
    else if (unit > 0x7f) bytes += 1
  }
  return bytes
}
