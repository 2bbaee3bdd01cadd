/**
 * Every option of the server, with its default. `docs/configuration.md` documents each one;
 * keep the two in step.
 */

/** Per-namespace channel options. */
export interface NamespaceOptions {
  /** Publications kept per channel for `history` and recovery; 0 disables history. */
  historySize: number
  /** How long a publication is kept, in ms. */
  historyTtlMs: number
  /** Whether subscribers join the channel's presence and receive join/leave pushes. */
  presence: boolean
  /** Whether clients may publish over WebSocket (the HTTP API always may). */
  clientPublish: boolean
  /** Whether anonymous connections may use channels of this namespace. */
  public: boolean
  /** How long an idempotency key is remembered, in ms. */
  idempotencyWindowMs: number
}

export interface Limits extends AdmissionLimits {
  /** Largest WebSocket message accepted from a client, in bytes; larger closes with 1009. */
  maxFrameBytes: number
  /** Largest published `data`, JSON-encoded, in bytes. */
  maxMessageBytes: number
  /** Largest HTTP API request body, in bytes. */
  maxHttpBodyBytes: number
  maxSubscriptionsPerConnection: number
  maxChannelLength: number
  /** Channels of one SSE stream. */
  maxSseChannels: number
  /** Bytes queued towards one connection before it is disconnected as a slow consumer. */
  maxQueueBytes: number
  /** Most publications returned by one `history` call. */
  maxHistoryLimit: number
  /** Publications in one `POST /v1/publish/batch`. */
  maxBatchSize: number
}

export interface ServerOptions extends TransportSecurityOptions {
  host: string
  port: number
  /** Directory of the embedded SQLite database. */
  dataDir: string
  /** `sqlite` keeps history and metadata in `dataDir`; `memory` keeps everything in memory. */
  storage: 'sqlite' | 'memory'
  /** API keys accepted by the HTTP API as `Authorization: Bearer <key>`. */
  apiKeys: string[]
  auth: {
    /** HS256 secret verifying connection tokens; without it only anonymous clients connect. */
    jwtSecret?: string
    /** Whether connections without a token may use `public` namespaces. */
    anonymous: boolean
  }
  /** Options per namespace; the key '' is the default namespace and the fallback. */
  namespaces: Record<string, Partial<NamespaceOptions>>
  /** Options applied to namespaces that do not set them. */
  channelDefaults: NamespaceOptions
  limits: Limits
  heartbeat: {
    /** Interval between the server's pings, in ms. */
    intervalMs: number
  }
  sse: {
    /** Interval between SSE comment heartbeats, in ms. */
    heartbeatMs: number
    /** The `retry:` reconnection delay suggested to EventSource clients, in ms. */
    retryMs: number
  }
  shutdown: {
    /** Clients are told to reconnect after a random delay up to this, in ms. */
    reconnectJitterMs: number
    /** How long shutdown waits for connections to close before forcing them, in ms. */
    drainTimeoutMs: number
  }
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  logLevel: string
  /** Set when no config file and no API key were given; see `docs/configuration.md`. */
  devMode: boolean
}

// ---- Transport security and admission: TLS, origins, per-IP admission, slow clients ----

/** Limits applied per client IP before any handshake work, and to slow HTTP clients. */
export interface AdmissionLimits {
  /** WebSocket and SSE connections open at once from one client IP; more get 429. */
  maxConnectionsPerIp: number
  /** New WebSocket and SSE connections per second from one client IP (token-bucket refill). */
  newConnectionsPerSecondPerIp: number
  /** New connections one client IP may open at once before the per-second rate applies. */
  newConnectionsBurstPerIp: number
  /** Time a client has to send the request headers (and the TLS handshake), in ms. */
  headersTimeoutMs: number
  /** Time a client has to send a whole HTTP request, body included, in ms. */
  requestTimeoutMs: number
}

export interface TransportSecurityOptions {
  /** Serve `https://` and `wss://` (HTTP/2 with HTTP/1.1 fallback) with these PEM files. */
  tls?: {
    certFile?: string
    keyFile?: string
  }
  security: {
    /**
     * Browser origins allowed on `/ws`, `/sse` and `/client/request`, and echoed by CORS:
     * exact (`https://app.example.com`) or wildcard subdomains (`https://*.example.com`);
     * `*` allows any origin. Requests without an `Origin` header are not browsers and pass.
     */
    allowedOrigins: string[]
    /** Take the client IP from the last `X-Forwarded-For` address (set by your proxy). */
    trustProxy: boolean
  }
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  maxConnectionsPerIp: 1_000,
  newConnectionsPerSecondPerIp: 50,
  newConnectionsBurstPerIp: 200,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
}

export const DEFAULT_TRANSPORT_SECURITY: TransportSecurityOptions = {
  security: { allowedOrigins: ['*'], trustProxy: false },
}

export const DEFAULT_CHANNEL_OPTIONS: NamespaceOptions = {
  historySize: 100,
  historyTtlMs: 10 * 60_000,
  presence: false,
  clientPublish: true,
  public: false,
  idempotencyWindowMs: 5 * 60_000,
}

export const DEFAULT_LIMITS: Limits = {
  maxFrameBytes: 64 * 1024,
  maxMessageBytes: 64 * 1024,
  maxHttpBodyBytes: 1024 * 1024,
  maxSubscriptionsPerConnection: 256,
  maxChannelLength: 255,
  maxSseChannels: 32,
  maxQueueBytes: 1024 * 1024,
  maxHistoryLimit: 1000,
  maxBatchSize: 100,
  ...DEFAULT_ADMISSION_LIMITS,
}

export const DEFAULT_OPTIONS: ServerOptions = {
  host: '0.0.0.0',
  port: 8080,
  dataDir: './data',
  storage: 'sqlite',
  apiKeys: [],
  auth: { anonymous: false },
  namespaces: {},
  channelDefaults: DEFAULT_CHANNEL_OPTIONS,
  limits: DEFAULT_LIMITS,
  heartbeat: { intervalMs: 25_000 },
  sse: { heartbeatMs: 15_000, retryMs: 3_000 },
  shutdown: { reconnectJitterMs: 5_000, drainTimeoutMs: 10_000 },
  logLevel: 'warn',
  devMode: false,
  ...DEFAULT_TRANSPORT_SECURITY,
}
