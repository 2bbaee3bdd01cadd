/**
 * WebSocket adapter: one socket at `/ws`, JSON text frames, requests matched to replies by id.
 */
import { CloseCode } from '@switchboard/protocol'
import { disconnectedError } from '../errors.js'
import type { WebSocketConstructor } from '../options.js'
import type {
  MessagePush,
  PresencePush,
  ReplyBody,
  RequestFrame,
  StreamPosition,
  SubscribedInfo,
} from '../types.js'
import { PendingReplies, replyBody } from './replies.js'
import { TransportOpenError, type Transport, type TransportEvents } from './transport.js'

export class WebSocketTransport implements Transport {
  readonly kind = 'websocket'
  readonly pingProvesLiveness = true
  private socket: WebSocket | undefined
  private events: TransportEvents | undefined
  private readonly replies = new PendingReplies()
  /** Ids of subscribe requests awaiting their reply. */
  private readonly subscribeIds = new Set<number>()
  private ended = false

  constructor(
    private readonly WebSocketImpl: WebSocketConstructor,
    private readonly url: string,
    /** Subprotocols to offer; the token travels as one of them. */
    private readonly protocols?: string[],
  ) {}

  open(events: TransportEvents): Promise<void> {
    this.events = events
    return new Promise((resolve, reject) => {
      const socket =
        this.protocols === undefined
          ? new this.WebSocketImpl(this.url)
          : new this.WebSocketImpl(this.url, this.protocols)
      this.socket = socket
      let opened = false
      socket.onopen = () => {
        opened = true
        resolve()
      }
      socket.onmessage = (event: MessageEvent) => this.receive(event.data)
      // Browsers report no detail on errors; the close event that follows carries the code.
      socket.onerror = () => undefined
      socket.onclose = (event: CloseEvent) => {
        if (!opened) {
          const code = event.code >= 4000 ? event.code : undefined
          reject(new TransportOpenError(`websocket closed before opening (${event.code})`, code))
          return
        }
        this.end(event.code, event.reason)
      }
    })
  }

  async subscribe(channel: string, since: StreamPosition | undefined): Promise<void> {
    const frame: RequestFrame = { action: 'subscribe', channel }
    if (since !== undefined) frame.since = since
    await this.request(frame)
  }

  async unsubscribe(channel: string): Promise<void> {
    await this.request({ action: 'unsubscribe', channel })
  }

  request(frame: RequestFrame): Promise<ReplyBody> {
    if (this.ended || this.socket === undefined) return Promise.reject(disconnectedError())
    const { id, reply } = this.replies.add()
    if (frame.action === 'subscribe') this.subscribeIds.add(id)
    this.socket.send(JSON.stringify({ ...frame, id }))
    return reply
  }

  close(): void {
    if (this.ended) return
    this.ended = true
    this.replies.rejectAll()
    this.socket?.close(CloseCode.Normal)
  }

  private receive(data: unknown): void {
    if (this.ended) return
    this.events?.traffic()
    if (typeof data !== 'string') return
    let frame: Record<string, unknown>
    try {
      frame = JSON.parse(data) as Record<string, unknown>
    } catch {
      return
    }

    // The subscribe reply is reported here, in stream order: a promise callback would run
    // after pushes that arrived in the same chunk.
    if (typeof frame.id === 'number' && this.subscribeIds.delete(frame.id) && frame.ok === true) {
      this.events?.subscribed(replyBody(frame) as unknown as SubscribedInfo)
    }
    if (this.replies.settle(frame)) return
    switch (frame.type) {
      case 'message':
        this.events?.message(frame as unknown as MessagePush)
        return
      case 'join':
      case 'leave':
        this.events?.presence(frame as unknown as PresencePush)
        return
      case 'disconnect':
        if (typeof frame.reconnectAfterMs === 'number') {
          this.events?.reconnectAfter(frame.reconnectAfterMs)
        }
        return
      case 'ping':
        return
    }
    if (typeof frame.type === 'string') this.events?.push(frame)
  }

  private end(code: number, reason: string): void {
    if (this.ended) return
    this.ended = true
    this.replies.rejectAll()
    this.events?.close(code, reason)
  }
}
