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

export interface ServerOptions {
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
  documents: DEFAULT_DOCUMENT_OPTIONS,
  heartbeat: { intervalMs: 25_000 },
  sse: { heartbeatMs: 15_000, retryMs: 3_000 },
  shutdown: { reconnectJitterMs: 5_000, drainTimeoutMs: 10_000 },
  logLevel: 'warn',
  devMode: false,
}
