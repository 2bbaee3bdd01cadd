/**
 * Composition root: builds the storage behind each port, the hub and the transports, and
 * serves them on one HTTP server.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { ErrorCode } from '@switchboard/protocol'
import type { Logger } from 'pino'
import { ApiKeys } from './auth/api-keys.js'
import { Authenticator } from './auth/authenticator.js'
import { AuthFailures } from './auth/failures.js'
import { TokenVerifier } from './auth/token-verifier.js'
import { MemoryBroker } from './broker/memory.js'
import { RedisBroker } from './broker/redis.js'
import type { ServerOptions } from './config/defaults.js'
import { ConfigError } from './config/load.js'
import { FlushScheduler } from './connection/outbound.js'
import { ClusterConnections } from './connection/cluster.js'
import { ConnectionRegistry } from './connection/registry.js'
import { RequestHandler } from './connection/requests.js'
import { namespaceAccessPolicy } from './documents/access.js'
import { DocumentRequests } from './documents/requests.js'
import { DocumentService } from './documents/service.js'
import { MemoryDocumentStore } from './documents/store/memory.js'
import { PostgresDocumentStore } from './documents/store/postgres.js'
import { SqliteDocumentStore } from './documents/store/sqlite.js'
import { SwitchboardError } from './errors.js'
import { UserModules } from './functions/modules.js'
import { FunctionRouter } from './functions/router.js'
import { MemoryHistory } from './history/memory.js'
import { SqliteHistory } from './history/sqlite.js'
import { Hub } from './hub/hub.js'
import { Namespaces } from './hub/namespaces.js'
import { ConnectionPolicy } from './limits/connection-policy.js'
import { Plans } from './limits/plans.js'
import { createListener, type Listener } from './listener.js'
import { createLogger } from './logger.js'
import { WebhookDispatcher } from './webhooks/dispatcher.js'
import { MemoryConnectionCounter } from './counter/memory.js'
import { RedisConnectionCounter } from './counter/redis.js'
import type { ConnectionCounter } from './ports/connection-counter.js'
import type { RoomStore } from './ports/room-store.js'
import { RoomHost } from './rooms/host.js'
import { LocalRoomLeases } from './rooms/lease/local.js'
import { RedisRoomLeases } from './rooms/lease/redis.js'
import type { RoomLeases } from './ports/room-lease.js'
import { MemoryRoomStore } from './rooms/store/memory.js'
import { PostgresRoomStore } from './rooms/store/postgres.js'
import { SqliteRoomStore } from './rooms/store/sqlite.js'
import type { RoomClass } from './rooms/types.js'
import type { FunctionHandler } from './functions/types.js'
import { Metrics, ServerStats } from './metrics.js'
import type { Broker } from './ports/broker.js'
import type { PresenceStore } from './ports/presence.js'
import type { NodeRouter } from './ports/router.js'
import { MemoryRouter } from './router/memory.js'
import { RedisRouter } from './router/redis.js'
import type { DocumentRelay, DocumentStore } from './ports/documents.js'
import { LocalDocumentRelay } from './documents/relay/local.js'
import { RedisDocumentRelay } from './documents/relay/redis.js'
import type { KeyValueStore } from './ports/store.js'
import { MemoryPresence } from './presence/memory.js'
import { RedisPresence } from './presence/redis.js'
import { connectRedis, type RedisConnections } from './redis/connect.js'
import { RedisKeys } from './redis/keys.js'
import { TransportGate } from './security/gate.js'
import { openDatabase, type SqliteDatabase } from './storage/sqlite.js'
import { MemoryStore } from './store/memory.js'
import { SqliteStore } from './store/sqlite.js'
import { readTlsCredentials, type TlsCredentials } from './tls.js'
import { HttpApi } from './transport/http-api.js'
import { ManagementApi } from './transport/management-api.js'
import {
  RequestRates,
  handleClientRequest,
  type HttpClientDependencies,
} from './transport/http-client.js'
import { sendError } from './transport/http-util.js'
import { DocumentGateway } from './transport/documents-ws.js'
import { DocumentsApi } from './transport/documents-api.js'
import { SseGateway } from './transport/sse.js'
import { WebSocketGateway } from './transport/websocket.js'

/** Ports spanning nodes, for a cluster; each defaults to what the config selects. */
export interface ServerSeams {
  /**
   * Carries document updates and awareness between nodes. Without it: the Redis relay with
   * the Redis broker and a shared document store, else none (documents stay on this node).
   */
  documentRelay?: DocumentRelay
}

const DEV_API_KEY = 'dev-api-key'
/** Path prefix of the y-websocket endpoint: `/docs/{name}`. */
const DOCUMENTS_PATH = '/docs/'

export class Switchboard {
  private readonly http: Listener
  private readonly gate: TransportGate
  private readonly websocket: WebSocketGateway
  private readonly sse: SseGateway
  private readonly api: HttpApi
  private readonly documentsApi: DocumentsApi
  private readonly documentGateway: DocumentGateway
  private readonly documents: DocumentService
  private readonly clientRequests: HttpClientDependencies
  private readonly policy: ConnectionPolicy
  private readonly webhooks: WebhookDispatcher
  private readonly modules: UserModules | undefined
  private readonly roomClasses: UserModules<RoomClass> | undefined
  private readonly rooms: RoomHost | undefined
  private readonly documentStore: DocumentStore
  private readonly roomStore: RoomStore
  private readonly counter: ConnectionCounter
  private readonly documentRelay: DocumentRelay
  private stopping: Promise<void> | undefined

  private constructor(
    readonly options: ServerOptions,
    readonly logger: Logger,
    private readonly broker: Broker,
    private readonly presence: PresenceStore,
    private readonly router: NodeRouter,
    private readonly leases: RoomLeases,
    private readonly store: KeyValueStore,
    private readonly db: SqliteDatabase | undefined,
    parts: {
      verifier: TokenVerifier
      modules: UserModules | undefined
      roomClasses: UserModules<RoomClass> | undefined
      roomStore: RoomStore
      documentStore: DocumentStore
      documentRelay: DocumentRelay
      counter: ConnectionCounter
    },
    tls: TlsCredentials | undefined,
  ) {
    const { verifier, modules, roomClasses, roomStore, documentStore, documentRelay, counter } =
      parts
    this.counter = counter
    this.roomStore = roomStore
    this.documentStore = documentStore
    this.documentRelay = documentRelay
    this.modules = modules
    this.roomClasses = roomClasses
    const stats = new ServerStats()
    const scheduler = new FlushScheduler()
    this.webhooks = new WebhookDispatcher(
      options.webhooks,
      {
        count: (webhook, outcome, events) =>
          metrics.webhookEvents.inc({ webhook, outcome }, events),
      },
      logger,
    )
    const namespaces = new Namespaces(options)
    const hub = new Hub({
      events: this.webhooks,
      broker,
      presence,
      namespaces,
      limits: options.limits,
      stats,
      logger,
    })
    const metrics = new Metrics({
      stats,
      connections: () => ({
        websocket: this.websocket.connections.size,
        sse: this.sse.connections.size,
        documents: this.documentGateway.sockets.size,
      }),
      documents: () => this.documents.openCount,
      subscriptions: () => hub.subscriptions,
      channels: () => hub.channelCount,
      connectionsByPlan: () => this.policy.connectionsByPlan(),
      webhookQueues: () => this.webhooks.deliveries.map((d) => [d.options.url, d.queued]),
    })
    const plans = new Plans(options)
    const registry = new ConnectionRegistry(router.nodeId)
    const connections = new ClusterConnections(registry, router, nodeRequestTimeoutMs(options))
    router.setHandler((message, from) => {
      if (ClusterConnections.owns(message)) return connections.handle(message)
      if (RoomHost.owns(message) && this.rooms !== undefined) {
        return this.rooms.handle(message, from)
      }
      throw new Error(`unknown node message ${message.type}`)
    })
    this.policy = new ConnectionPolicy(
      options,
      plans.fallback,
      {
        rateLimited: (plan) => metrics.rateLimited.inc({ plan }),
        limitClosed: (plan, reason) => metrics.planLimits.inc({ plan, reason }),
      },
      logger,
      counter,
      registry,
    )
    const authenticator = new Authenticator({
      options,
      verifier,
      apiKeys: new ApiKeys(options),
      plans,
      failures: new AuthFailures(options.auth.failuresBeforeDelay, options.auth.maxFailureDelayMs),
    })
    const policy = this.policy
    const functions = new FunctionRouter({
      options: options.functions,
      modules,
      hub,
      connections,
      store,
      logger,
      count: (route, outcome) => metrics.functionCalls.inc({ route, outcome }),
    })
    this.documents = new DocumentService({
      store: documentStore,
      relay: documentRelay,
      options: options.documents,
      maxNameLength: options.limits.maxChannelLength,
      logger,
    })
    const documentAccess = namespaceAccessPolicy(namespaces)
    const requests = new RequestHandler({
      hub,
      metrics,
      logger,
      authenticator,
      policy,
      registry,
      functions,
      documents: new DocumentRequests({
        documents: this.documents,
        access: documentAccess,
        options: options.documents,
        maxFrameBytes: options.limits.maxFrameBytes,
      }),
      maxJsonDepth: options.limits.maxJsonDepth,
    })
    const shared = { options, hub, authenticator, policy, registry, scheduler, stats, logger }
    this.websocket = new WebSocketGateway({ ...shared, requests, functions })
    this.sse = new SseGateway(shared)
    this.rooms =
      roomClasses === undefined
        ? undefined
        : new RoomHost({
            classes: roomClasses,
            store: roomStore,
            leases,
            router,
            registry,
            authenticator,
            options,
            nodeRequestTimeoutMs: nodeRequestTimeoutMs(options),
            logger,
          })
    this.clientRequests = {
      authenticator,
      requests,
      limits: options.limits,
      rates: new RequestRates(),
    }
    this.api = new HttpApi({
      hub,
      authenticator,
      metrics,
      limits: options.limits,
      logger,
      management: new ManagementApi(connections, options.limits),
      ready: () => this.stopping === undefined && broker.ready(),
    })
    this.documentGateway = new DocumentGateway({
      options,
      documents: this.documents,
      access: documentAccess,
      authenticator,
      scheduler,
      stats,
      logger,
    })
    this.documentsApi = new DocumentsApi({
      documents: this.documents,
      authenticator,
      metrics,
      limits: options.limits,
      maxUpdateBytes: options.documents.maxUpdateBytes,
      logger,
    })

    this.gate = new TransportGate(options, stats)
    this.http = createListener(
      options.limits,
      tls,
      (request, response) => this.route(request, response),
      (request, socket, head) => this.upgrade(request, socket, head),
    )
  }

  /**
   * Opens storage and builds the server. In dev mode without an API key, one is generated on
   * first start and kept in the store, so it stays the same across restarts. `seams` replaces
   * the single-node implementations of ports that span nodes.
   */
  static async create(options: ServerOptions, seams: ServerSeams = {}): Promise<Switchboard> {
    const logger = createLogger(options.logLevel)
    const verifier = await TokenVerifier.create(options.auth)
    const modules = await loadModules(options, 'functions', logger)
    const roomClasses = await loadModules<RoomClass>(options, 'rooms', logger)
    // Read before storage is opened, so that a bad file leaves nothing to clean up.
    const tls = readTlsCredentials(options)
    const db = options.storage === 'sqlite' ? openDatabase(options.dataDir) : undefined
    const store = db === undefined ? new MemoryStore() : new SqliteStore(db)
    const roomStore = await openRoomStore(options, db)
    const documentStore = await openDocumentStore(options, db)

    if (options.devMode && options.apiKeys.length === 0) {
      let key = await store.get(DEV_API_KEY)
      if (key === undefined) {
        key = `sb_dev_${randomBytes(18).toString('base64url')}`
        await store.set(DEV_API_KEY, key)
      }
      options.apiKeys.push(key)
    }
    const { broker, presence, counter, router, leases, redis } = await openBroker(
      options,
      logger,
      db,
    )
    const relay = seams.documentRelay ?? openDocumentRelay(options, redis, logger)
    if (redis !== undefined && roomClasses !== undefined && options.rooms.store === 'embedded') {
      logger.warn(
        { broker: 'redis', roomsStore: 'embedded', hint: 'set rooms.store to "postgres"' },
        "room storage is not shared between nodes: a room that moves starts from that node's copy",
      )
    }
    return new Switchboard(
      options,
      logger,
      broker,
      presence,
      router,
      leases,
      store,
      db,
      {
        verifier,
        modules,
        roomClasses,
        roomStore,
        documentStore,
        documentRelay: relay,
        counter,
      },
      tls,
    )
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async listen(): Promise<number> {
    const port = await this.http.listen(this.options.port, this.options.host)
    const { host, storage, broker } = this.options
    this.logger.info(
      { host, port, storage, broker: broker.type, tls: this.http.secure },
      'listening',
    )
    return port
  }

  /**
   * Graceful stop: refuse new connections, tell clients to reconnect after a jittered delay,
   * wait for them to leave (at most `shutdown.drainTimeoutMs`), then close storage.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown()
    return this.stopping
  }

  private async shutdown(): Promise<void> {
    this.logger.info('shutting down')
    const closed = this.http.close()
    this.gate.close()
    this.websocket.shutdown()
    this.sse.shutdown()
    this.rooms?.close()
    this.documentGateway.shutdown()
    this.http.closeIdle()

    const drained = Promise.race([closed, delay(this.options.shutdown.drainTimeoutMs)])
    await drained
    this.websocket.terminateAll()
    this.documentGateway.terminateAll()
    this.http.closeAll()
    await closed

    this.policy.close()
    await this.counter.close()
    this.modules?.close()
    this.roomClasses?.close()
    this.webhooks.close()
    await this.documents.close()
    await this.documentRelay.close()
    await this.documentStore.close()
    await this.roomStore.close()
    await this.presence.close()
    await this.router.close()
    await this.broker.close()
    await this.store.close()
    this.db?.close()
    this.logger.info('stopped')
  }

  /** Whether the listener serves `https://` and `wss://`. */
  get secure(): boolean {
    return this.http.secure
  }

  private upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = parseUrl(request)
    const room = url === undefined ? undefined : RoomHost.target(url.pathname)
    if (room !== undefined && this.rooms !== undefined && url !== undefined) {
      if (!this.gate.upgrade(request, socket)) return
      this.rooms.handleUpgrade(request, socket, head, url, room)
      return
    }
    if (url?.pathname.startsWith(DOCUMENTS_PATH) === true) {
      if (!this.gate.upgrade(request, socket)) return
      const name = url.pathname.slice(DOCUMENTS_PATH.length)
      this.documentGateway.handleUpgrade(request, socket, head, url, name)
      return
    }
    if (url?.pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    if (!this.gate.upgrade(request, socket)) return
    this.websocket.handleUpgrade(request, socket, head, url)
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    const url = parseUrl(request)
    if (url === undefined) {
      sendError(response, new SwitchboardError(ErrorCode.BadRequest, 'malformed request URL'))
      return
    }
    if (!this.gate.request(request, response, url.pathname)) return
    if (url.pathname === '/sse') {
      this.sse.handle(request, response, url).catch((error: unknown) => {
        this.logger.error({ err: error }, 'sse request failed')
        sendError(response, error)
      })
      return
    }
    const room = RoomHost.target(url.pathname)
    if (room !== undefined && this.rooms !== undefined) {
      void this.rooms.handleRequest(request, response, url, room)
      return
    }
    if (url.pathname === '/client/request') {
      void handleClientRequest(this.clientRequests, request, response, url)
      return
    }
    if (this.documentsApi.handle(request, response, url)) return
    if (this.api.handle(request, response, url)) return
    sendError(response, new SwitchboardError(ErrorCode.NotFound, `no route ${url.pathname}`))
  }
}

/**
 * User modules (in-process functions, room classes) of `options[section].dir`; in dev mode,
 * of `./functions` or `./rooms` when it exists. A module that cannot be imported stops start.
 */
async function loadModules<T = FunctionHandler>(
  options: ServerOptions,
  section: 'functions' | 'rooms',
  logger: Logger,
): Promise<UserModules<T> | undefined> {
  const { dir, watch } = options[section]
  if (dir === undefined) {
    const devDir = `./${section}`
    if (!options.devMode || !existsSync(devDir)) return undefined
    return UserModules.load<T>(devDir, watch, logger)
  }
  if (!existsSync(dir)) throw new ConfigError(`${section}.dir ${dir} does not exist`)
  return UserModules.load<T>(dir, watch, logger)
}

/**
 * The broker and presence store of the configured broker type: in-process over the embedded
 * history, or Redis, shared with the other nodes.
 */
async function openBroker(
  options: ServerOptions,
  logger: Logger,
  db: SqliteDatabase | undefined,
): Promise<{
  broker: Broker
  presence: PresenceStore
  counter: ConnectionCounter
  router: NodeRouter
  leases: RoomLeases
  redis?: { connections: RedisConnections; keys: RedisKeys }
}> {
  if (options.broker.type === 'memory') {
    const history = db === undefined ? new MemoryHistory() : new SqliteHistory(db)
    const router = new MemoryRouter()
    return {
      broker: new MemoryBroker(history),
      presence: new MemoryPresence(),
      counter: new MemoryConnectionCounter(),
      router,
      leases: new LocalRoomLeases(router.nodeId),
    }
  }

  const redis = await connectRedis(options.broker, logger)
  const keys = new RedisKeys(options.broker.keyPrefix)
  const broker = new RedisBroker(redis, keys, logger)
  const presence = new RedisPresence(redis.commands, keys, {
    ttlMs: options.broker.presenceTtlMs,
    logger,
    announce: (channel, type, member) => {
      broker.publishPresence(channel, type, member).catch((error: unknown) => {
        logger.warn({ err: error, channel, type }, 'announcing a presence change failed')
      })
    },
  })
  const counter = new RedisConnectionCounter(
    redis.commands,
    options.broker.keyPrefix,
    options.broker.presenceTtlMs,
    logger,
  )
  const router = await RedisRouter.open(redis, keys, logger)
  const leases = new RedisRoomLeases(redis.commands, keys, router.nodeId, options.rooms.leaseTtlMs)
  return { broker, presence, counter, router, leases, redis: { connections: redis, keys } }
}

/** How long to wait for another node's answer; a single node answers itself at once. */
function nodeRequestTimeoutMs(options: ServerOptions): number {
  return options.broker.type === 'redis' ? options.broker.nodeRequestTimeoutMs : 2_000
}

/**
 * The relay between the nodes holding a document: over Redis when the broker is Redis and
 * the nodes share the document store. A relayed update names its clock in the store it was
 * appended to, so with a store of its own per node (the embedded one) relaying would mix
 * clocks of different stores: there each node serves its own copy, and says so at start.
 */
function openDocumentRelay(
  options: ServerOptions,
  redis: { connections: RedisConnections; keys: RedisKeys } | undefined,
  logger: Logger,
): DocumentRelay {
  if (redis === undefined) return new LocalDocumentRelay()
  if (options.documents.store === 'embedded') {
    const hint =
      'each node keeps its own copy of a document; set documents.store to "postgres" to ' +
      'serve documents from several nodes'
    logger.warn(
      { broker: 'redis', documentsStore: 'embedded', storage: options.storage, hint },
      'documents are not shared between nodes',
    )
    return new LocalDocumentRelay()
  }
  return new RedisDocumentRelay(redis.connections, redis.keys, logger)
}

function openDocumentStore(
  options: ServerOptions,
  db: SqliteDatabase | undefined,
): Promise<DocumentStore> | DocumentStore {
  const documents = options.documents
  if (documents.store === 'postgres') {
    return PostgresDocumentStore.open({
      connectionString: documents.postgresUrl!,
      schema: documents.postgresSchema,
    })
  }
  return db === undefined ? new MemoryDocumentStore() : new SqliteDocumentStore(db)
}

/** Room storage: the embedded database (or memory), or PostgreSQL shared by the nodes. */
function openRoomStore(
  options: ServerOptions,
  db: SqliteDatabase | undefined,
): Promise<RoomStore> | RoomStore {
  const rooms = options.rooms
  if (rooms.store === 'postgres') {
    return PostgresRoomStore.open({
      connectionString: rooms.postgresUrl!,
      schema: rooms.postgresSchema,
    })
  }
  return db === undefined ? new MemoryRoomStore() : new SqliteRoomStore(db)
}

function parseUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://localhost')
  } catch {
    return undefined
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
