/**
 * Server-Sent Events transport at `/sse?channel=a&channel=b`, readable by a plain browser
 * `EventSource`. Each publication is an event named after the publication's event, with the
 * published data as JSON; its `id:` holds the position of every channel of the stream, so the
 * standard `Last-Event-ID` reconnect resumes them all.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  CloseCode,
  ErrorCode,
  decodePositions,
  encodePositions,
  type StreamPosition,
  type SubscribeResult,
} from '@switchboard/protocol'
import type { Logger } from 'pino'
import type { Authenticator } from '../auth/authenticator.js'
import type { ServerOptions } from '../config/defaults.js'
import { Connection, type ConnectionIdentity } from '../connection/connection.js'
import type { FlushScheduler } from '../connection/outbound.js'
import type { ConnectionRegistry } from '../connection/registry.js'
import { SwitchboardError, errorBody } from '../errors.js'
import type { Hub } from '../hub/hub.js'
import type { OutgoingPresence, OutgoingPublication } from '../hub/publication.js'
import type { Subscription } from '../hub/subscription.js'
import type { ConnectionPolicy } from '../limits/connection-policy.js'
import type { ServerStats } from '../metrics.js'
import { sendError } from './http-util.js'

export interface SseGatewayDependencies {
  options: ServerOptions
  hub: Hub
  authenticator: Authenticator
  policy: ConnectionPolicy
  registry: ConnectionRegistry
  scheduler: FlushScheduler
  stats: ServerStats
  logger: Logger
}

class SseConnection extends Connection {
  /** Queued event text; SSE is UTF-8 text, so strings are joined and written at once. */
  private queue = ''
  private closing = false
  sentSinceTick = false
  /** Position of each channel, in the order of the stream's `channel` parameters. */
  readonly positions: Array<StreamPosition | undefined>

  constructor(
    id: string,
    identity: ConnectionIdentity,
    readonly channels: string[],
    since: Array<StreamPosition | undefined>,
    private readonly response: ServerResponse,
    private readonly gateway: SseGateway,
  ) {
    super(id, 'sse', identity)
    this.positions = since
  }

  get closed(): boolean {
    return this.closing
  }

  deliver(publication: OutgoingPublication, subscription: Subscription): void {
    const index = this.channels.indexOf(subscription.channel)
    this.positions[index] = { offset: publication.offset, epoch: publication.epoch }
    this.enqueue(`id: ${encodePositions(this.positions)}\n${publication.sseBody()}`)
  }

  deliverPresence(event: OutgoingPresence): void {
    this.enqueue(event.sseBody())
  }

  sendDirect(dataJson: string): boolean {
    if (this.closing) return false
    this.enqueue(`event: $direct\ndata: ${dataJson}\n\n`)
    return true
  }

  /** Documents need a WebSocket. */
  sendFrame(): boolean {
    return false
  }

  /** The `$subscribed` event of one channel, which also moves the stream's id forward. */
  subscribed(result: SubscribeResult): void {
    const index = this.channels.indexOf(result.channel)
    this.positions[index] = { offset: result.offset, epoch: result.epoch }
    this.enqueue(
      `id: ${encodePositions(this.positions)}\nevent: $subscribed\ndata: ${JSON.stringify(result)}\n\n`,
    )
  }

  enqueue(text: string): void {
    if (this.closing) return
    // Text length approximates bytes: exact for the ASCII framing, low for multi-byte data.
    const pending = this.queue.length + this.response.writableLength + text.length
    if (pending > this.gateway.maxQueueBytes) {
      this.gateway.stats.slowConsumerDisconnects++
      this.close(CloseCode.SlowConsumer)
      return
    }

    const first = this.queue.length === 0
    this.queue += text
    this.sentSinceTick = true
    if (first) this.gateway.scheduler.schedule(this)
  }

  flush(): void {
    const text = this.queue
    this.queue = ''
    if (text.length === 0 || this.closing || !this.response.writable) return
    this.response.write(text)
    this.gateway.stats.bytesSent += text.length
  }

  /**
   * Ends the stream. A slow consumer's stream is cut at once; otherwise the client is told
   * when to come back and the response ends cleanly.
   */
  close(code: number, retryMs?: number): void {
    if (this.closing) return
    if (code === CloseCode.SlowConsumer) {
      this.closing = true
      this.queue = ''
      this.response.destroy()
      return
    }
    if (retryMs !== undefined) this.queue += `retry: ${retryMs}\n\n`
    this.flush()
    this.closing = true
    this.response.end()
  }
}

export class SseGateway {
  readonly connections = new Set<SseConnection>()
  readonly maxQueueBytes: number
  readonly scheduler: FlushScheduler
  readonly stats: ServerStats
  private readonly heartbeatTimer: NodeJS.Timeout
  private accepting = true

  constructor(private readonly deps: SseGatewayDependencies) {
    this.maxQueueBytes = deps.options.limits.maxQueueBytes
    this.scheduler = deps.scheduler
    this.stats = deps.stats
    this.heartbeatTimer = setInterval(() => this.heartbeat(), deps.options.sse.heartbeatMs)
    this.heartbeatTimer.unref()
  }

  async handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    if (!this.accepting) {
      sendError(response, new SwitchboardError(ErrorCode.Unavailable, 'server is shutting down'))
      return
    }
    if (request.method !== 'GET') {
      sendError(response, new SwitchboardError(ErrorCode.MethodNotAllowed, 'use GET for /sse'))
      return
    }

    let connection: SseConnection
    try {
      const channels = this.channelsOf(url)
      const since = this.positionsOf(request, url, channels.length)
      const identity = await this.deps.authenticator.identify(request, url)
      connection = new SseConnection(
        this.deps.registry.newId(),
        identity,
        channels,
        since,
        response,
        this,
      )
      connection.address = this.deps.authenticator.addressOf(request)
      const plan = identity.plan
      if (channels.length > plan.maxSubscriptions) {
        throw new SwitchboardError(
          ErrorCode.TooManySubscriptions,
          `${channels.length} channels requested, the limit of plan ${plan.name} (maxSubscriptions) is ${plan.maxSubscriptions}`,
        )
      }
      for (const channel of channels) this.deps.hub.checkSubscribe(connection, channel)
      if (!(await this.deps.policy.acquire(identity, connection.id))) {
        throw new SwitchboardError(
          ErrorCode.PlanLimitExceeded,
          `plan ${plan.name} allows ${plan.maxConnectionsPerUser} connections per user`,
        )
      }
    } catch (error) {
      if (!(error instanceof SwitchboardError))
        this.deps.logger.error({ err: error }, 'sse setup failed')
      sendError(response, error)
      return
    }

    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // HTTP/2 forbids connection-specific headers; its streams need no keep-alive hint.
      ...(request.httpVersionMajor === 1 ? { Connection: 'keep-alive' } : {}),
      'X-Accel-Buffering': 'no',
    })
    response.write(`retry: ${this.deps.options.sse.retryMs}\n:ok\n\n`)
    this.connections.add(connection)
    this.deps.registry.add(connection)
    request.socket.setNoDelay(true)
    response.on('close', () => {
      connection.close(CloseCode.Normal)
      this.connections.delete(connection)
      this.deps.policy.releaseSlot(connection.id)
      this.deps.registry.remove(connection)
      this.deps.hub.disconnect(connection)
    })

    for (let i = 0; i < connection.channels.length; i++) {
      const channel = connection.channels[i]!
      try {
        await this.deps.hub.subscribe(connection, channel, connection.positions[i], (result) =>
          connection.subscribed(result),
        )
      } catch (error) {
        // Permissions were checked above, so this is a storage failure: end the stream and
        // let EventSource come back with its Last-Event-ID.
        this.deps.logger.warn({ err: error, channel }, 'sse subscribe failed')
        connection.enqueue(`event: $error\ndata: ${JSON.stringify(errorBody(error))}\n\n`)
        connection.close(CloseCode.InternalError)
        return
      }
    }
  }

  private channelsOf(url: URL): string[] {
    const channels = url.searchParams.getAll('channel')
    const max = this.deps.options.limits.maxSseChannels
    if (channels.length === 0) {
      throw new SwitchboardError(
        ErrorCode.BadRequest,
        'give at least one channel: /sse?channel=name',
      )
    }
    if (channels.length > max) {
      throw new SwitchboardError(
        ErrorCode.LimitExceeded,
        `${channels.length} channels requested, the limit (limits.maxSseChannels) is ${max}`,
      )
    }
    if (new Set(channels).size !== channels.length) {
      throw new SwitchboardError(ErrorCode.BadRequest, 'a channel is listed twice')
    }
    return channels
  }

  /** Positions to resume from: the `Last-Event-ID` header, or `lastEventId` in the query. */
  private positionsOf(
    request: IncomingMessage,
    url: URL,
    count: number,
  ): Array<StreamPosition | undefined> {
    const header = request.headers['last-event-id']
    const token =
      (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('lastEventId')
    if (token === undefined || token === null || token === '')
      return new Array(count).fill(undefined)

    const positions = decodePositions(token, count)
    if (positions === undefined) {
      throw new SwitchboardError(
        ErrorCode.BadRequest,
        'Last-Event-ID is not a position of this stream; reconnect with the same channel list',
      )
    }
    return positions
  }

  /** SSE comment every `sse.heartbeatMs` on idle streams keeps proxies from timing them out. */
  private heartbeat(): void {
    for (const connection of this.connections) {
      if (!connection.sentSinceTick) connection.enqueue(':\n\n')
      connection.sentSinceTick = false
    }
  }

  shutdown(): void {
    this.accepting = false
    clearInterval(this.heartbeatTimer)
    const jitterMs = this.deps.options.shutdown.reconnectJitterMs
    for (const connection of this.connections) {
      connection.close(CloseCode.ServerShutdown, Math.floor(Math.random() * jitterMs))
    }
  }
}
