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
  /** JSON Schema that published data must match (client and HTTP publishes alike). */
  schema?: Record<string, unknown>
  /** What connections may do with the namespace's documents at `/docs/{name}`. */
  documents: DocumentAccess
}

/** Access to a document: edit it, only read it (awareness still allowed), or not open it. */
export type DocumentAccess = 'read-write' | 'read-only' | 'none'

/** Collaborative documents (`/docs/{name}`, Yjs): storage, compaction, memory and limits. */
export interface DocumentOptions {
  /** `embedded` keeps documents in the server's `storage` (SQLite or memory). */
  store: 'embedded' | 'postgres'
  /** Connection string of the PostgreSQL database when `store` is `postgres`. */
  postgresUrl?: string
  /** Schema of the document tables in PostgreSQL. */
  postgresSchema: string
  /** A document's updates are compacted into a snapshot after this many appends. */
  compactAfterUpdates: number
  /** ...or after this long without an update, in ms. */
  compactIdleMs: number
  /** How long a document with no clients stays in memory, in ms. */
  unloadGraceMs: number
  /** Largest Yjs update (or sync step 2) accepted from a client or the API, in bytes. */
  maxUpdateBytes: number
  /** Largest document, as its encoded state, in bytes; updates growing it past are refused. */
  maxDocumentBytes: number
  /** Documents one `/ws` connection may hold open at once (`doc.open`). */
  maxPerConnection: number
}

/** What a token's `channels` claim may grant on a channel pattern. */
export type Capability = 'subscribe' | 'publish' | 'presence' | 'history'
export const CAPABILITIES: readonly Capability[] = ['subscribe', 'publish', 'presence', 'history']

/** Algorithms accepted for connection tokens; `none` is never among them. */
export const SECRET_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
export const PUBLIC_KEY_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const

/** One key that verifies connection tokens: a shared secret or a PEM public key. */
export interface JwtKeyOptions {
  /** Matched against the token header's `kid` when both are set. */
  kid?: string
  /** The only algorithms this key verifies; a token signed otherwise is refused. */
  algorithms: string[]
  /** Shared secret (at least 32 characters) for HS256, HS384, HS512. */
  secret?: string
  /** PEM public key (SPKI) for RS*, PS*, ES* and EdDSA. */
  publicKey?: string
}

export interface JwksOptions {
  url: string
  /** Algorithms accepted from the key set. */
  algorithms: string[]
  /** How long a fetched key set is used before it is fetched again, in ms. */
  cacheMaxAgeMs: number
  /** Least time between two fetches, e.g. on an unknown `kid`, in ms. */
  cooldownMs: number
  /** How long a fetch may take, in ms. */
  timeoutMs: number
}

export type ApiKeyScope = 'publish' | 'admin'

/** An HTTP API key kept as a digest, so the config file holds no secret. */
export interface ApiKeyOptions {
  /** For logs and metrics; never the key itself. */
  name?: string
  /** Hex SHA-256 of the key (`switchboard hash-key KEY` prints it). */
  sha256: string
  /** `publish` allows the publish routes; `admin` every `/v1` route. @default ["publish","admin"] */
  scopes?: ApiKeyScope[]
}

/** A function served by a URL, called with a signed POST. */
export interface FunctionTargetOptions {
  url: string
  /** Overrides `functions.timeoutMs` for this route, in ms. */
  timeoutMs?: number
}

export interface FunctionsOptions {
  /** Directory of in-process functions, one module per route key; none when unset. */
  dir?: string
  /** Import changed modules again; on in dev mode. */
  watch: boolean
  /** Functions behind URLs, by route key (`$connect`, `$disconnect`, `$default`, an action). */
  routes: Record<string, FunctionTargetOptions>
  /** HMAC-SHA256 secret signing calls to URL targets; required when `routes` has any. */
  signingSecret?: string
  /** Longest a function may take before the caller gets `function_timeout`, in ms. */
  timeoutMs: number
}

export type WebhookEventType =
  'channel_occupied' | 'channel_vacated' | 'member_added' | 'member_removed' | 'publication'
export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = [
  'channel_occupied',
  'channel_vacated',
  'member_added',
  'member_removed',
  'publication',
]

/** A URL that receives channel events, signed, batched and retried. */
export interface WebhookOptions {
  url: string
  /** HMAC-SHA256 secret signing each delivery (at least 32 characters). */
  secret: string
  /** Event types to send. @default every type */
  events: WebhookEventType[]
  /** Only events of channels in these namespaces (`""` is the default one). @default all */
  namespaces?: string[]
  /** Publications from these sources: `client` (WebSocket, /client/request) or `server`. */
  sources: Array<'client' | 'server'>
  /** Most events in one delivery. @default 100 */
  batchSize: number
  /** How long an event may wait for others to share its delivery, in ms. @default 100 */
  batchWindowMs: number
  /** Deliveries tried before a batch is dropped (and counted). @default 8 */
  maxAttempts: number
  /** How long a delivery may take, in ms. @default 5000 */
  timeoutMs: number
  /** Events queued at most; beyond it the oldest are dropped (and counted). @default 10000 */
  maxQueuedEvents: number
}

export interface RoomsOptions {
  /** Directory of room classes, one module per room type; none when unset. */
  dir?: string
  /** Import changed modules again (new room instances use them); on in dev mode. */
  watch: boolean
  /** A room with no connection and no event for this long leaves memory, in ms. */
  idleEvictMs: number
  /** Largest value one storage key holds, as JSON, in bytes. */
  maxValueBytes: number
  /**
   * With the Redis broker: how long a node's lease on a room lasts without renewal, in ms. The
   * rooms of a node that died move to another node within about this; nodes renew at a third.
   * @default 10_000
   */
  leaseTtlMs: number
  /** `embedded` keeps room storage in the server's `storage` (SQLite or memory). */
  store: 'embedded' | 'postgres'
  /** Connection string of the PostgreSQL database when `store` is `postgres`. */
  postgresUrl?: string
  /** Schema of the room tables in PostgreSQL. */
  postgresSchema: string
}

/** Limits of a usage tier; a token's `plan` claim selects one. */
export interface PlanOptions {
  /** Connections one user may hold at once on this node; 0 is unlimited. */
  maxConnectionsPerUser: number
  /** Client messages per second per connection (token bucket refill). */
  messagesPerSecond: number
  /** Client messages a connection may send in a burst (token bucket size). */
  messageBurst: number
  /** Bytes of client messages per second per connection; the burst is two seconds' worth. */
  bytesPerSecond: number
  maxSubscriptions: number
  /** Whether the `history` action and route may be used (recovery on subscribe always works). */
  history: boolean
  /** Close a WebSocket with no application message for this long, in ms; 0 never does. */
  idleTimeoutMs: number
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
  /** Deepest nesting of objects and arrays in a client frame or HTTP body. */
  maxJsonDepth: number
  /** Defaults of every plan; see `PlanOptions`. */
  maxConnectionsPerUser: number
  messagesPerSecond: number
  messageBurst: number
  bytesPerSecond: number
  idleTimeoutMs: number
  /** Connections are closed (and may reconnect) after this long, in ms; 0 never. */
  maxConnectionLifetimeMs: number
  /** HTTP API requests per second per API key (token bucket refill). */
  apiRequestsPerSecond: number
  /** HTTP API requests one key may send in a burst. */
  apiRequestBurst: number
}

/** The embedded broker: one node, streams in the `storage` backend. */
export interface MemoryBrokerOptions {
  type: 'memory'
}

/**
 * The Redis broker: nodes sharing one Redis (standalone, or a Redis Cluster with `cluster`)
 * behave to clients like a single node. See `docs/scaling.md`.
 */
export interface RedisBrokerOptions {
  type: 'redis'
  /**
   * `redis://[user:password@]host:port[/db]` of a standalone Redis.
   * @default redis://127.0.0.1:6379
   */
  url?: string
  /** Seed nodes of a Redis Cluster (`host:port`); set this or `url`, not both. */
  cluster?: { nodes: string[] }
  /** Prepended to every key and pub/sub channel, so several deployments can share a Redis. */
  keyPrefix: string
  /**
   * How long a presence entry lives without its node refreshing it, in ms: the members of a
   * node that died leave presence lists within this. Nodes refresh at a third of it.
   */
  presenceTtlMs: number
  /**
   * How long a node waits for another node's answer, in ms (the management API, functions
   * messaging a connection held elsewhere, rooms relayed to their node). A node that does not
   * answer in time counts as holding no connection.
   * @default 2_000
   */
  nodeRequestTimeoutMs: number
}

export type BrokerOptions = MemoryBrokerOptions | RedisBrokerOptions

export interface ServerOptions extends TransportSecurityOptions {
  host: string
  port: number
  /** Directory of the embedded SQLite database. */
  dataDir: string
  /** `sqlite` keeps history and metadata in `dataDir`; `memory` keeps everything in memory. */
  storage: 'sqlite' | 'memory'
  /** Where channel streams, presence and fan-out between nodes live. */
  broker: BrokerOptions
  /**
   * API keys accepted by the HTTP API as `Authorization: Bearer <key>`: plain strings (every
   * scope; for development) or digests with scopes.
   */
  apiKeys: Array<string | ApiKeyOptions>
  auth: {
    /** Shorthand for one HS256 key in `keys`. */
    jwtSecret?: string
    /** Keys verifying connection tokens; several may be active, for rotation. */
    keys: JwtKeyOptions[]
    /** A JSON Web Key Set fetched from a URL, cached, and refetched on an unknown `kid`. */
    jwks?: JwksOptions
    /** Required `iss` claim, when set. */
    issuer?: string
    /** Required `aud` claim, when set. */
    audience?: string
    /** Clock skew tolerated on `exp` and `nbf`, in seconds. */
    clockToleranceS: number
    /** Whether connections without a token may use `public` namespaces. */
    anonymous: boolean
    /** How long a WebSocket without a handshake token has to send `connect`, in ms. */
    connectTimeoutMs: number
    /** Failed authentications from one IP within a minute before responses are delayed. */
    failuresBeforeDelay: number
    /** Longest delay put on a failed authentication, in ms. */
    maxFailureDelayMs: number
  }
  /** Usage tiers by name; a token's `plan` claim selects one. Unset fields come from `limits`. */
  plans: Record<string, Partial<PlanOptions>>
  /** The plan of tokens without a `plan` claim and of anonymous connections. */
  defaultPlan?: string
  functions: FunctionsOptions
  webhooks: WebhookOptions[]
  rooms: RoomsOptions
  /** Options per namespace; the key '' is the default namespace and the fallback. */
  namespaces: Record<string, Partial<NamespaceOptions>>
  /** Options applied to namespaces that do not set them. */
  channelDefaults: NamespaceOptions
  limits: Limits
  documents: DocumentOptions
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
  documents: 'read-write',
}

export const DEFAULT_DOCUMENT_OPTIONS: DocumentOptions = {
  store: 'embedded',
  postgresSchema: 'public',
  compactAfterUpdates: 500,
  compactIdleMs: 10_000,
  unloadGraceMs: 30_000,
  maxUpdateBytes: 1024 * 1024,
  maxDocumentBytes: 16 * 1024 * 1024,
  maxPerConnection: 64,
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
  maxJsonDepth: 64,
  maxConnectionsPerUser: 0,
  messagesPerSecond: 1000,
  messageBurst: 1000,
  bytesPerSecond: 1024 * 1024,
  idleTimeoutMs: 0,
  maxConnectionLifetimeMs: 0,
  apiRequestsPerSecond: 1000,
  apiRequestBurst: 2000,
  ...DEFAULT_ADMISSION_LIMITS,
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

/** Defaults of the Redis broker's options, applied when `broker.type` is `redis`. */
export const DEFAULT_REDIS_OPTIONS: Omit<RedisBrokerOptions, 'type' | 'url' | 'cluster'> = {
  keyPrefix: 'sb:',
  presenceTtlMs: 30_000,
  nodeRequestTimeoutMs: 2_000,
}

export const DEFAULT_OPTIONS: ServerOptions = {
  host: '0.0.0.0',
  port: 8080,
  dataDir: './data',
  storage: 'sqlite',
  broker: { type: 'memory' },
  apiKeys: [],
  auth: {
    keys: [],
    clockToleranceS: 5,
    anonymous: false,
    connectTimeoutMs: 5_000,
    failuresBeforeDelay: 5,
    maxFailureDelayMs: 5_000,
  },
  plans: {},
  functions: { watch: false, routes: {}, timeoutMs: 10_000 },
  webhooks: [],
  rooms: {
    watch: false,
    idleEvictMs: 30_000,
    maxValueBytes: 128 * 1024,
    store: 'embedded',
    postgresSchema: 'public',
    leaseTtlMs: 10_000,
  },
  namespaces: {},
  channelDefaults: DEFAULT_CHANNEL_OPTIONS,
  limits: DEFAULT_LIMITS,
  documents: DEFAULT_DOCUMENT_OPTIONS,
  heartbeat: { intervalMs: 25_000 },
  sse: { heartbeatMs: 15_000, retryMs: 3_000 },
  shutdown: { reconnectJitterMs: 5_000, drainTimeoutMs: 10_000 },
  logLevel: 'warn',
  devMode: false,
  ...DEFAULT_TRANSPORT_SECURITY,
}

export const DEFAULT_WEBHOOK: Omit<WebhookOptions, 'url' | 'secret'> = {
  events: [...WEBHOOK_EVENT_TYPES],
  sources: ['client', 'server'],
  batchSize: 100,
  batchWindowMs: 100,
  maxAttempts: 8,
  timeoutMs: 5_000,
  maxQueuedEvents: 10_000,
}
