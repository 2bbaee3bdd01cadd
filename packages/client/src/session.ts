/**
 * A session: the connection of this client to the server, whichever transport carries it.
 * It owns reconnects (backoff, close codes, server delay hints), dead-connection detection,
 * the WebSocket-to-SSE fallback and the return to WebSocket, and resubscribes every channel
 * from its handler's position after each reconnect.
 */
import { ClientErrorCode, CloseCode, ErrorCode } from '@switchboard/protocol'
import { Backoff } from './backoff.js'
import { SwitchboardError, disconnectedError } from './errors.js'
import { decideAfterClose, type ConnectionState } from './lifecycle.js'
import type { ResolvedOptions } from './options.js'
import { SseTransport } from './transport/sse.js'
import { TransportOpenError, type Transport, type TransportEvents } from './transport/transport.js'
import { WebSocketTransport } from './transport/websocket.js'
import type { ReplyBody, RequestFrame, TransportKind } from './types.js'
import type { StateDetail, Upstream, UpstreamHandler } from './upstream.js'
import { renewDelayMs, tokenExpiresAt, tokenProtocols } from './token-refresh.js'
import { watchWakeups } from './wakeups.js'

/** Close code used when the heartbeat finds the connection silent; it retries like 4003. */
const SILENT_CLOSE_CODE = CloseCode.HeartbeatTimeout
/** Close code used when no transport could open: like an abnormal closure, it retries. */
const UNREACHABLE_CLOSE_CODE = 1006
/** A subscribe that fails with these still stands: it is resent, or the server has it. */
const HARMLESS_SUBSCRIBE_ERRORS = new Set<string>([
  ClientErrorCode.Disconnected,
  ErrorCode.AlreadySubscribed,
])

export class Session implements Upstream {
  private currentState: ConnectionState = 'disconnected'
  private currentDetail: StateDetail = {}
  private handler: UpstreamHandler | undefined
  private transport: Transport | undefined
  private readonly channels = new Set<string>()
  private readonly backoff: Backoff
  /** Bumped by every attempt and by close(), so stale async work can tell it is stale. */
  private generation = 0
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined
  private probeTimer: ReturnType<typeof setTimeout> | undefined
  private renewTimer: ReturnType<typeof setTimeout> | undefined
  private connectedAt = 0
  private lastTrafficAt = 0
  private pingSent = false
  private serverDelayMs: number | undefined
  /** Until this time (ms since epoch) a wake-up does not cut the wait the server asked for. */
  private serverHoldUntil = 0
  private lastWasUnauthorized = false
  /** Set when WebSocket failed but SSE worked; reconnects then start with SSE. */
  private preferSse = false
  private stopWatching: (() => void) | undefined

  constructor(private readonly options: ResolvedOptions) {
    this.backoff = new Backoff(options.reconnect, options.random)
  }

  get state(): ConnectionState {
    return this.currentState
  }

  get holdsConnection(): boolean {
    return true
  }

  /** The detail of the last state change: transport, close code, retry delay. */
  get detail(): StateDetail {
    return this.currentDetail
  }

  start(handler: UpstreamHandler): void {
    this.handler = handler
    this.stopWatching ??= watchWakeups(() => this.wake())
    if (this.currentState !== 'disconnected' && this.currentState !== 'closed') return
    // Deferred, so that listeners added right after createClient() see `connecting` too.
    this.currentState = 'connecting'
    queueMicrotask(() => {
      if (this.currentState === 'connecting') void this.attempt()
    })
  }

  subscribe(channel: string): void {
    if (this.channels.has(channel)) return
    this.channels.add(channel)
    if (this.transport !== undefined) this.subscribeOn(this.transport, channel)
  }

  unsubscribe(channel: string): void {
    if (!this.channels.delete(channel)) return
    this.transport?.unsubscribe(channel).catch(() => undefined)
  }

  request(frame: RequestFrame): Promise<ReplyBody> {
    if (this.transport === undefined) return Promise.reject(disconnectedError())
    return this.transport.request(frame)
  }

  wake(): void {
    // A restarting server spread its clients' returns over a delay: `online` or a tab
    // becoming visible must not undo that spread.
    const held = Date.now() < this.serverHoldUntil
    if (this.currentState === 'disconnected' && this.retryTimer !== undefined && !held) {
      clearTimeout(this.retryTimer)
      this.retryTimer = undefined
      void this.attempt()
      return
    }
    // A tab coming back from the background checks its connection at once.
    if (this.currentState === 'connected') this.ping()
  }

  close(): void {
    this.generation++
    this.stopTimers()
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.stopWatching?.()
    this.stopWatching = undefined
    this.transport?.close()
    this.transport = undefined
    this.setState('closed', { closeCode: CloseCode.Normal })
  }

  private async attempt(): Promise<void> {
    const generation = ++this.generation
    this.retryTimer = undefined
    this.currentState = 'disconnected'
    this.setState('connecting', {})

    let token: string | undefined
    try {
      token = await this.token()
    } catch {
      if (generation === this.generation) this.closed(UNREACHABLE_CLOSE_CODE)
      return
    }

    let closeCode = UNREACHABLE_CLOSE_CODE
    for (const kind of this.transportOrder()) {
      const transport = this.createTransport(kind, token)
      let closedEarly: () => number | undefined
      try {
        closedEarly = await this.openTransport(transport)
      } catch (error) {
        transport.close()
        if (generation !== this.generation) return
        // The server itself refused (e.g. the token): another transport would fare no better.
        const code = error instanceof TransportOpenError ? error.closeCode : undefined
        if (code !== undefined) {
          closeCode = code
          break
        }
        continue
      }
      if (generation !== this.generation) {
        transport.close()
        return
      }
      // A server that refuses a token may close right after the handshake.
      const early = closedEarly()
      if (early !== undefined) {
        closeCode = early
        break
      }
      this.adopt(transport, token)
      return
    }
    this.closed(closeCode)
  }

  private transportOrder(): TransportKind[] {
    const order = this.options.transports
    if (!this.preferSse) return order
    return [...order.filter((t) => t === 'sse'), ...order.filter((t) => t !== 'sse')]
  }

  private async token(): Promise<string | undefined> {
    if (this.options.getToken !== undefined) return this.options.getToken()
    return this.options.token
  }

  private createTransport(kind: TransportKind, token: string | undefined): Transport {
    const { options } = this
    if (kind === 'sse') {
      return new SseTransport({ fetch: options.fetch!, httpUrl: options.httpUrl, token })
    }
    const protocols = token === undefined ? undefined : tokenProtocols(token)
    const query =
      token === undefined || protocols !== undefined ? '' : `?token=${encodeURIComponent(token)}`
    return new WebSocketTransport(options.WebSocket!, `${options.wsUrl}/ws${query}`, protocols)
  }

  /**
   * Opens a transport with events bound to it: events of a replaced transport are ignored.
   * Resolves with a function telling whether (and with which code) it closed before adoption.
   */
  private async openTransport(transport: Transport): Promise<() => number | undefined> {
    const current = () => this.transport === transport
    let earlyCloseCode: number | undefined
    const events: TransportEvents = {
      message: (push) => {
        if (current() && this.channels.has(push.channel)) this.handler?.message(push)
      },
      presence: (push) => {
        if (current() && this.channels.has(push.channel)) this.handler?.presence(push)
      },
      subscribed: (info) => {
        if (current() && this.channels.has(info.channel)) this.handler?.subscribed(info)
      },
      push: (frame) => {
        if (current()) this.handler?.push(frame)
      },
      traffic: () => {
        if (!current()) return
        this.lastTrafficAt = Date.now()
        this.pingSent = false
        // A server refusing a token closes right after the handshake, before any frame: only
        // a frame shows that the token was accepted.
        this.lastWasUnauthorized = false
      },
      reconnectAfter: (delayMs) => {
        if (current()) this.serverDelayMs = delayMs
      },
      close: (code) => {
        if (!current()) {
          earlyCloseCode ??= code
          return
        }
        this.transport = undefined
        this.closed(code)
      },
    }

    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TransportOpenError('connect timeout', undefined)),
        this.options.connectTimeoutMs,
      )
    })
    try {
      await Promise.race([transport.open(events), timeout])
    } finally {
      clearTimeout(timer)
    }
    return () => earlyCloseCode
  }

  /** Makes an open transport the session's, replacing the previous one if any. */
  private adopt(transport: Transport, token: string | undefined): void {
    const previous = this.transport
    this.transport = transport
    previous?.close()

    this.connectedAt = Date.now()
    this.lastTrafficAt = this.connectedAt
    this.serverDelayMs = undefined
    this.stopTimers()
    this.startHeartbeat()
    if (transport.kind === 'sse' && this.options.transports.includes('websocket')) {
      this.preferSse = true
      this.probeTimer = setTimeout(() => void this.probeWebSocket(), this.options.websocketRetryMs)
    }
    if (transport.kind === 'websocket') this.preferSse = false
    this.scheduleRenewal(transport, token)

    this.setState('connected', { transport: transport.kind })
    for (const channel of this.channels) this.subscribeOn(transport, channel)
  }

  private subscribeOn(transport: Transport, channel: string): void {
    const since = this.handler?.position(channel)
    transport.subscribe(channel, since).catch((error: unknown) => {
      if (this.transport !== transport || !this.channels.has(channel)) return
      if (!(error instanceof SwitchboardError) || HARMLESS_SUBSCRIBE_ERRORS.has(error.code)) return
      this.channels.delete(channel)
      this.handler?.subscribeFailed(channel, error)
    })
  }

  /** While on SSE, tries WebSocket again; on success it takes over without a state change. */
  private async probeWebSocket(): Promise<void> {
    const generation = this.generation
    this.probeTimer = undefined
    let token: string | undefined
    try {
      token = await this.token()
    } catch {
      token = undefined
    }
    const probe = this.createTransport('websocket', token)
    try {
      const closedEarly = await this.openTransport(probe)
      if (closedEarly() !== undefined) throw new Error('closed at once')
    } catch {
      probe.close()
      if (generation === this.generation && this.transport?.kind === 'sse') {
        this.probeTimer = setTimeout(
          () => void this.probeWebSocket(),
          this.options.websocketRetryMs,
        )
      }
      return
    }
    if (generation !== this.generation || this.transport?.kind !== 'sse') {
      probe.close()
      return
    }
    this.adopt(probe, token)
  }

  /**
   * Before a token from `getToken` expires, fetches the next one and sends it with `refresh`,
   * so the connection and its subscriptions outlive the token. Over SSE there is no upstream
   * to refresh on: the server ends the stream at expiry and the reconnect gets a fresh token.
   */
  private scheduleRenewal(transport: Transport, token: string | undefined): void {
    const { getToken } = this.options
    if (getToken === undefined || token === undefined || transport.kind !== 'websocket') return
    const expiresAt = tokenExpiresAt(token)
    if (expiresAt === undefined) return

    this.renewTimer = setTimeout(
      async () => {
        this.renewTimer = undefined
        try {
          const next = await getToken()
          if (this.transport !== transport) return
          const reply = await transport.request({ action: 'refresh', token: next })
          if (this.transport !== transport) return
          this.scheduleRenewal(transport, next)
          // Channels the new token no longer grants were unsubscribed by the server.
          for (const channel of (reply.revoked as string[] | undefined) ?? []) {
            if (!this.channels.delete(channel)) continue
            const message = `the new token does not grant ${channel}`
            this.handler?.subscribeFailed(channel, new SwitchboardError('forbidden', message))
          }
        } catch {
          // The server closes the connection at expiry; the reconnect fetches a fresh token.
        }
      },
      renewDelayMs(expiresAt, Date.now()),
    )
  }

  private startHeartbeat(): void {
    const tickMs = Math.max(50, Math.floor(this.options.pingIntervalMs / 4))
    this.pingSent = false
    this.heartbeatTimer = setInterval(() => this.checkHeartbeat(), tickMs)
  }

  private checkHeartbeat(): void {
    const transport = this.transport
    if (transport === undefined) return
    const idleMs = Date.now() - this.lastTrafficAt
    if (idleMs >= this.options.heartbeatTimeoutMs) {
      this.transport = undefined
      transport.close()
      this.closed(SILENT_CLOSE_CODE)
      return
    }
    if (idleMs >= this.options.pingIntervalMs && !this.pingSent) this.ping()
  }

  private ping(): void {
    const transport = this.transport
    if (transport === undefined || !transport.pingProvesLiveness) return
    this.pingSent = true
    // The reply proves life even where it does not come down the stream (SSE's HTTP ping).
    transport.request({ action: 'ping' }).then(
      () => {
        if (this.transport !== transport) return
        this.lastTrafficAt = Date.now()
        this.pingSent = false
      },
      () => undefined,
    )
  }

  /** After a connection ended or an attempt failed: retry later, or stop for good. */
  private closed(code: number): void {
    this.stopTimers()
    const uptimeMs = this.connectedAt === 0 ? 0 : Date.now() - this.connectedAt
    this.connectedAt = 0
    this.backoff.connectionEnded(uptimeMs)

    const decision = decideAfterClose(code, {
      serverDelayMs: this.serverDelayMs,
      canRefreshToken: this.options.getToken !== undefined,
      lastWasUnauthorized: this.lastWasUnauthorized,
    })
    this.serverDelayMs = undefined
    this.lastWasUnauthorized = code === CloseCode.Unauthorized
    if (decision.state === 'closed') {
      this.generation++
      this.stopWatching?.()
      this.stopWatching = undefined
      this.setState('closed', { closeCode: code })
      return
    }

    const retryInMs = Math.max(this.backoff.next(), decision.minDelayMs ?? 0)
    this.serverHoldUntil = Date.now() + (decision.minDelayMs ?? 0)
    this.setState('disconnected', { closeCode: code, retryInMs })
    this.retryTimer = setTimeout(() => void this.attempt(), retryInMs)
  }

  private stopTimers(): void {
    clearInterval(this.heartbeatTimer)
    clearTimeout(this.probeTimer)
    clearTimeout(this.renewTimer)
    this.heartbeatTimer = undefined
    this.probeTimer = undefined
    this.renewTimer = undefined
  }

  private setState(state: ConnectionState, detail: StateDetail): void {
    const changed = state !== this.currentState
    this.currentState = state
    this.currentDetail = detail
    if (changed || state === 'connected') this.handler?.state(state, detail)
  }
}
