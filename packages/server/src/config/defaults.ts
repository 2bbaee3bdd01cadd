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

export interface Limits {
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
}

export type BrokerOptions = MemoryBrokerOptions | RedisBrokerOptions

export interface ServerOptions {
  host: string
  port: number
  /** Directory of the embedded SQLite database. */
  dataDir: string
  /** `sqlite` keeps history and metadata in `dataDir`; `memory` keeps everything in memory. */
  storage: 'sqlite' | 'memory'
  /** Where channel streams, presence and fan-out between nodes live. */
  broker: BrokerOptions
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
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

/** Defaults of the Redis broker's options, applied when `broker.type` is `redis`. */
export const DEFAULT_REDIS_OPTIONS: Omit<RedisBrokerOptions, 'type' | 'url' | 'cluster'> = {
  keyPrefix: 'sb:',
  presenceTtlMs: 30_000,
}

export const DEFAULT_OPTIONS: ServerOptions = {
  host: '0.0.0.0',
  port: 8080,
  dataDir: './data',
  storage: 'sqlite',
  broker: { type: 'memory' },
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
}
