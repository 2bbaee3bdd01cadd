/**
 * Client options with their defaults, merged once at `createClient`. Contradictory or invalid
 * options throw there, naming the option and what is allowed.
 */
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js'
import type { TransportKind } from './types.js'

/** The subset of the WebSocket constructor the SDK uses; `ws` and browsers both fit. */
export type WebSocketConstructor = new (url: string, protocols?: string[]) => WebSocket

export interface ClientOptions {
  /**
   * Base URL of the server: `wss://host`, `ws://host:8080`, `https://host` or `http://host`.
   * The SDK appends `/ws`, `/sse` and `/client/request`.
   */
  url: string
  /** A fixed connection token (HS256 JWT). Ignored when `getToken` is set. */
  token?: string
  /** Called before every connection attempt, so each reconnect presents a fresh token. */
  getToken?: () => string | Promise<string>
  /** Reconnect backoff; see `BackoffOptions`. */
  reconnect?: Partial<BackoffOptions>
  /**
   * With no traffic for this long, the client sends a ping so a silent connection shows life.
   * @default 20_000 ms
   */
  pingIntervalMs?: number
  /**
   * With no traffic at all for this long, the connection is considered dead and replaced.
   * The server pings idle WebSockets every 25 s and SSE streams every 15 s.
   * @default 40_000 ms
   */
  heartbeatTimeoutMs?: number
  /**
   * Give up a connection attempt that has not opened after this long.
   * @default 10_000 ms
   */
  connectTimeoutMs?: number
  /**
   * Transports to try, in order. With both, SSE plus HTTP POST is used when WebSocket cannot
   * connect, and WebSocket is tried again every `websocketRetryMs`.
   * @default ['websocket', 'sse']
   */
  transports?: TransportKind[]
  /**
   * While on the SSE fallback, how often WebSocket is tried again.
   * @default 60_000 ms
   */
  websocketRetryMs?: number
  /** Offline outbox bounds. A publish beyond them fails at once with `outbox_full`. */
  outbox?: {
    /** @default 1_000 publications */
    maxMessages?: number
    /** Sum of the JSON sizes of queued `data`. @default 1_048_576 bytes (1 MiB) */
    maxBytes?: number
  }
  /**
   * Share one connection between all tabs of the origin that use the same `url` (Web Locks
   * leader election plus BroadcastChannel). Ignored where those APIs are missing.
   * @default true
   */
  shareConnection?: boolean
  /** Connect at creation; otherwise call `connect()`. @default true */
  autoConnect?: boolean
  /** WebSocket implementation; required on Node 20, which has no global WebSocket. */
  WebSocket?: WebSocketConstructor
  /** fetch implementation for SSE and HTTP requests. @default globalThis.fetch */
  fetch?: typeof fetch
  /** Uniform random source in [0, 1) for backoff jitter and keys; inject to seed tests. */
  random?: () => number
}

export interface ResolvedOptions {
  wsUrl: string
  httpUrl: string
  token: string | undefined
  getToken: (() => string | Promise<string>) | undefined
  reconnect: BackoffOptions
  pingIntervalMs: number
  heartbeatTimeoutMs: number
  connectTimeoutMs: number
  transports: TransportKind[]
  websocketRetryMs: number
  outboxMaxMessages: number
  outboxMaxBytes: number
  shareConnection: boolean
  autoConnect: boolean
  WebSocket: WebSocketConstructor | undefined
  fetch: typeof fetch | undefined
  random: () => number
}

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const base = parseBaseUrl(options.url)
  const transports = options.transports ?? ['websocket', 'sse']
  if (transports.length === 0 || transports.some((t) => t !== 'websocket' && t !== 'sse')) {
    throw new TypeError('transports must list "websocket" and/or "sse"')
  }
  const resolved: ResolvedOptions = {
    ...base,
    token: options.token,
    getToken: options.getToken,
    reconnect: { ...DEFAULT_BACKOFF, ...options.reconnect },
    pingIntervalMs: options.pingIntervalMs ?? 20_000,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 40_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    transports,
    websocketRetryMs: options.websocketRetryMs ?? 60_000,
    outboxMaxMessages: options.outbox?.maxMessages ?? 1_000,
    outboxMaxBytes: options.outbox?.maxBytes ?? 1024 * 1024,
    shareConnection: options.shareConnection ?? true,
    autoConnect: options.autoConnect ?? true,
    WebSocket: options.WebSocket ?? (globalThis.WebSocket as WebSocketConstructor | undefined),
    fetch: options.fetch ?? globalThis.fetch?.bind(globalThis),
    random: options.random ?? Math.random,
  }
  const { reconnect } = resolved
  checkPositive({
    pingIntervalMs: resolved.pingIntervalMs,
    heartbeatTimeoutMs: resolved.heartbeatTimeoutMs,
    connectTimeoutMs: resolved.connectTimeoutMs,
    websocketRetryMs: resolved.websocketRetryMs,
    'reconnect.baseDelayMs': reconnect.baseDelayMs,
    'reconnect.maxDelayMs': reconnect.maxDelayMs,
    'outbox.maxMessages': resolved.outboxMaxMessages,
    'outbox.maxBytes': resolved.outboxMaxBytes,
  })
  if (!(reconnect.stableAfterMs >= 0)) {
    throw new TypeError(
      `reconnect.stableAfterMs must be 0 or more ms, got ${String(reconnect.stableAfterMs)}`,
    )
  }
  if (resolved.heartbeatTimeoutMs <= resolved.pingIntervalMs) {
    throw new TypeError(
      `heartbeatTimeoutMs (${resolved.heartbeatTimeoutMs}) must exceed pingIntervalMs ` +
        `(${resolved.pingIntervalMs}), or the ping never has time to be answered`,
    )
  }
  if (reconnect.baseDelayMs > reconnect.maxDelayMs) {
    throw new TypeError(
      `reconnect.baseDelayMs (${reconnect.baseDelayMs}) must not exceed reconnect.maxDelayMs ` +
        `(${reconnect.maxDelayMs})`,
    )
  }
  if (transports.includes('websocket') && resolved.WebSocket === undefined) {
    throw new TypeError(
      'no WebSocket implementation: pass options.WebSocket (e.g. from the ws package on ' +
        'Node 20) or set transports to ["sse"]',
    )
  }
  if (transports.includes('sse') && resolved.fetch === undefined) {
    throw new TypeError('the sse transport needs fetch: pass options.fetch')
  }
  return resolved
}

function parseBaseUrl(url: string): { wsUrl: string; httpUrl: string } {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TypeError(`url must be an absolute URL such as wss://host, got "${url}"`)
  }
  const secure = parsed.protocol === 'wss:' || parsed.protocol === 'https:'
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(parsed.protocol)) {
    throw new TypeError(`url must use ws:, wss:, http: or https:, got "${parsed.protocol}"`)
  }
  const rest = `//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`
  return {
    wsUrl: `${secure ? 'wss' : 'ws'}:${rest}`,
    httpUrl: `${secure ? 'https' : 'http'}:${rest}`,
  }
}

/** Throws for the first value that is not a positive number, naming its option. */
function checkPositive(values: Record<string, number>): void {
  for (const [option, value] of Object.entries(values)) {
    if (typeof value !== 'number' || !(value > 0)) {
      throw new TypeError(`${option} must be a positive number, got ${String(value)}`)
    }
  }
}
