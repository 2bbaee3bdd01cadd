/**
 * SSE fallback adapter: downstream over one `GET /sse` stream carrying every subscribed
 * channel, upstream over `POST /client/request`. An SSE stream's channel list is fixed, so a
 * subscribe or unsubscribe reopens the stream, resuming every channel from its position.
 */
import { CloseCode, ErrorCode, decodePositions, encodePositions } from '@switchboard/protocol'
import { SwitchboardError, disconnectedError } from '../errors.js'
import type {
  PresencePush,
  ReplyBody,
  RequestFrame,
  StreamPosition,
  SubscribedInfo,
} from '../types.js'
import { postRequest, type HttpRequester } from './http-request.js'
import { readEventStream, type SseEvent } from './sse-reader.js'
import { TransportOpenError, type Transport, type TransportEvents } from './transport.js'

interface StreamChannel {
  channel: string
  /** Position of the last publication or `$subscribed` seen, sent back on reopen. */
  position: StreamPosition | undefined
  /** Set until the channel's first `$subscribed` arrives. */
  waiting?: { resolve(): void; reject(error: Error): void }
}

export class SseTransport implements Transport {
  readonly kind = 'sse'
  private events: TransportEvents | undefined
  private channels: StreamChannel[] = []
  private stream: AbortController | undefined
  private reopenScheduled = false
  private ended = false
  /** The last publish sent; the next one waits for it (see `request`). */
  private lastPublish: Promise<unknown> = Promise.resolve()

  constructor(private readonly http: HttpRequester) {}

  /**
   * Without channels there is no stream whose heartbeats prove the server alive, so a ping
   * over HTTP has to; with a stream, a ping POST would prove nothing about the stream.
   */
  get pingProvesLiveness(): boolean {
    return this.channels.length === 0
  }

  async open(events: TransportEvents): Promise<void> {
    this.events = events
    try {
      await postRequest(this.http, { action: 'ping' })
    } catch (error) {
      const code =
        error instanceof SwitchboardError && error.code === ErrorCode.Unauthorized
          ? CloseCode.Unauthorized
          : undefined
      throw new TransportOpenError(`sse fallback unavailable: ${(error as Error).message}`, code)
    }
  }

  subscribe(channel: string, since: StreamPosition | undefined): Promise<void> {
    if (this.ended) return Promise.reject(disconnectedError())
    return new Promise((resolve, reject) => {
      this.channels = this.channels.filter((c) => c.channel !== channel)
      this.channels.push({ channel, position: since, waiting: { resolve, reject } })
      this.scheduleReopen()
    })
  }

  async unsubscribe(channel: string): Promise<void> {
    this.channels = this.channels.filter((c) => c.channel !== channel)
    this.scheduleReopen()
  }

  /**
   * Publishes go one at a time: concurrent POSTs may travel over different TCP connections
   * and reach the server in any order, while over WebSocket the socket keeps them in order.
   */
  request(frame: RequestFrame): Promise<ReplyBody> {
    if (frame.action !== 'publish') return postRequest(this.http, frame)
    const reply = this.lastPublish.then(() => postRequest(this.http, frame))
    this.lastPublish = reply.catch(() => undefined)
    return reply
  }

  close(): void {
    this.ended = true
    this.stream?.abort()
    this.stream = undefined
    this.rejectWaiting(disconnectedError())
  }

  /** Batches the subscribes of one turn into one reopen. */
  private scheduleReopen(): void {
    if (this.reopenScheduled) return
    this.reopenScheduled = true
    queueMicrotask(() => {
      this.reopenScheduled = false
      if (!this.ended) this.reopen()
    })
  }

  private reopen(): void {
    this.stream?.abort()
    this.stream = undefined
    if (this.channels.length === 0) return

    const controller = new AbortController()
    this.stream = controller
    const channels = [...this.channels]
    this.readStream(channels, controller).catch(() => {
      if (this.stream === controller) this.end(1006, 'stream broke')
    })
  }

  private async readStream(channels: StreamChannel[], controller: AbortController) {
    const query = new URLSearchParams()
    for (const c of channels) query.append('channel', c.channel)
    if (channels.some((c) => c.position !== undefined)) {
      query.set('lastEventId', encodePositions(channels.map((c) => c.position)))
    }
    const headers: Record<string, string> = { Accept: 'text/event-stream' }
    if (this.http.token !== undefined) headers.Authorization = `Bearer ${this.http.token}`

    const response = await this.http.fetch(`${this.http.httpUrl}/sse?${query}`, {
      headers,
      signal: controller.signal,
    })
    if (!response.ok || response.body === null) {
      await this.refused(response, channels)
      return
    }

    let subscribedOnce = false
    await readEventStream(response.body, {
      traffic: () => this.events?.traffic(),
      retry: (delayMs) => {
        // The first retry: field is the server's default; later ones announce a shutdown.
        if (subscribedOnce) this.events?.reconnectAfter(delayMs)
      },
      event: (event) => {
        if (this.stream !== controller) return
        if (event.event === '$subscribed') subscribedOnce = true
        this.dispatch(channels, event)
      },
    })
    if (this.stream === controller) this.end(CloseCode.ServerShutdown, 'stream ended')
  }

  private dispatch(channels: StreamChannel[], event: SseEvent): void {
    const payload = JSON.parse(event.data) as unknown
    switch (event.event) {
      case '$subscribed':
        this.subscribed(payload as SubscribedInfo)
        return
      case '$join':
      case '$leave':
        this.events?.presence(payload as PresencePush)
        return
      case '$error':
        this.end(CloseCode.InternalError, 'stream error')
        return
    }

    // The data carries no channel or offset: the position token tells which channel moved.
    const positions = decodePositions(event.lastEventId, channels.length)
    if (positions === undefined) return
    const index = channels.findIndex((c, i) => !samePosition(c.position, positions[i]))
    const target = channels[index]
    const position = positions[index]
    if (target === undefined || position === undefined) return

    target.position = position
    this.events?.message({
      type: 'message',
      channel: target.channel,
      event: event.event,
      data: payload,
      offset: position.offset,
      epoch: position.epoch,
    })
  }

  private subscribed(info: SubscribedInfo): void {
    const target = this.channels.find((c) => c.channel === info.channel)
    if (target === undefined) return
    target.position = { offset: info.offset, epoch: info.epoch }
    this.events?.subscribed(info)
    target.waiting?.resolve()
    delete target.waiting
  }

  /** The stream was refused: a token problem ends the transport, a channel problem fails it. */
  private async refused(response: Response, channels: StreamChannel[]): Promise<void> {
    let error = new SwitchboardError(
      ErrorCode.InternalError,
      `SSE stream refused: ${response.status}`,
    )
    try {
      const body = (await response.json()) as { error?: { code: string; message: string } }
      if (body.error !== undefined)
        error = new SwitchboardError(body.error.code, body.error.message)
    } catch {
      // A proxy's error page: keep the status-based error.
    }

    if (response.status === 401) {
      this.end(CloseCode.Unauthorized, error.message)
      return
    }
    if (response.status >= 500 || response.status === 429) {
      this.end(CloseCode.ServerShutdown, error.message)
      return
    }
    // The channels that were new in this stream are the likely culprits: fail them, keep the rest.
    const fresh = channels.filter((c) => c.waiting !== undefined)
    if (fresh.length === 0) {
      this.end(CloseCode.InternalError, error.message)
      return
    }
    this.channels = this.channels.filter((c) => c.waiting === undefined)
    for (const c of fresh) c.waiting?.reject(error)
    this.scheduleReopen()
  }

  private end(code: number, reason: string): void {
    if (this.ended) return
    this.close()
    this.events?.close(code, reason)
  }

  private rejectWaiting(error: Error): void {
    for (const c of this.channels) {
      c.waiting?.reject(error)
      delete c.waiting
    }
  }
}

function samePosition(a: StreamPosition | undefined, b: StreamPosition | undefined): boolean {
  return a?.offset === b?.offset && a?.epoch === b?.epoch
}
