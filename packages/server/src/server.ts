/**
 * Composition root: builds the storage behind each port, the hub and the transports, and
 * serves them on one HTTP server.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { ErrorCode } from '@switchboard/protocol'
import type { Logger } from 'pino'
import { Authenticator } from './auth.js'
import { MemoryBroker } from './broker/memory.js'
import type { ServerOptions } from './config/defaults.js'
import { FlushScheduler } from './connection/outbound.js'
import { RequestHandler } from './connection/requests.js'
import { namespaceAccessPolicy } from './documents/access.js'
import { DocumentService } from './documents/service.js'
import { MemoryDocumentStore } from './documents/store/memory.js'
import { PostgresDocumentStore } from './documents/store/postgres.js'
import { SqliteDocumentStore } from './documents/store/sqlite.js'
import { SwitchboardError } from './errors.js'
import { MemoryHistory } from './history/memory.js'
import { SqliteHistory } from './history/sqlite.js'
import { Hub } from './hub/hub.js'
import { Namespaces } from './hub/namespaces.js'
import { createLogger } from './logger.js'
import { Metrics, ServerStats } from './metrics.js'
import type { Broker } from './ports/broker.js'
import type { DocumentRelay, DocumentStore } from './ports/documents.js'
import { LocalDocumentRelay } from './documents/relay/local.js'
import type { KeyValueStore } from './ports/store.js'
import { MemoryPresence } from './presence/memory.js'
import { openDatabase, type SqliteDatabase } from './storage/sqlite.js'
import { MemoryStore } from './store/memory.js'
import { SqliteStore } from './store/sqlite.js'
import { HttpApi } from './transport/http-api.js'
import { handleClientRequest, type HttpClientDependencies } from './transport/http-client.js'
import { sendError } from './transport/http-util.js'
import { DocumentGateway } from './transport/documents-ws.js'
import { DocumentsApi } from './transport/documents-api.js'
import { SseGateway } from './transport/sse.js'
import { WebSocketGateway } from './transport/websocket.js'

/** Ports spanning nodes, for a cluster; each defaults to its single-node implementation. */
export interface ServerSeams {
  /** Carries document updates and awareness between nodes. */
  documentRelay?: DocumentRelay
}

const DEV_API_KEY = 'dev-api-key'
/** Path prefix of the y-websocket endpoint: `/docs/{name}`. */
const DOCUMENTS_PATH = '/docs/'

export class Switchboard {
  private readonly http: Server
  private readonly websocket: WebSocketGateway
  private readonly sse: SseGateway
  private readonly api: HttpApi
  private readonly documentsApi: DocumentsApi
  private readonly documentGateway: DocumentGateway
  private readonly documents: DocumentService
  private readonly clientRequests: HttpClientDependencies
  private stopping: Promise<void> | undefined

  private constructor(
    readonly options: ServerOptions,
    readonly logger: Logger,
    private readonly broker: Broker,
    private readonly store: KeyValueStore,
    private readonly documentStore: DocumentStore,
    private readonly documentRelay: DocumentRelay,
    private readonly db: SqliteDatabase | undefined,
  ) {
    const stats = new ServerStats()
    const scheduler = new FlushScheduler()
    const presence = new MemoryPresence()
    const namespaces = new Namespaces(options)
    const hub = new Hub({
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
    })
    const authenticator = new Authenticator(options)
    const requests = new RequestHandler(hub, metrics, logger)
    const shared = { options, hub, authenticator, scheduler, stats, logger }
    this.websocket = new WebSocketGateway({ ...shared, requests })
    this.sse = new SseGateway(shared)
    this.clientRequests = { authenticator, requests, limits: options.limits }
    this.api = new HttpApi({
      hub,
      authenticator,
      metrics,
      limits: options.limits,
      logger,
      ready: () => this.stopping === undefined && broker.ready(),
    })
    this.documents = new DocumentService({
      store: documentStore,
      relay: documentRelay,
      options: options.documents,
      maxNameLength: options.limits.maxChannelLength,
      logger,
    })
    this.documentGateway = new DocumentGateway({
      options,
      documents: this.documents,
      access: namespaceAccessPolicy(namespaces),
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

    this.http = createServer((request, response) => this.route(request, response))
    this.http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      const url = parseUrl(request)
      if (url?.pathname.startsWith(DOCUMENTS_PATH) === true) {
        const name = url.pathname.slice(DOCUMENTS_PATH.length)
        this.documentGateway.handleUpgrade(request, socket, head, url, name)
        return
      }
      if (url?.pathname !== '/ws') {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        return
      }
      this.websocket.handleUpgrade(request, socket, head, url)
    })
    this.http.on('clientError', (_error, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    })
  }

  /**
   * Opens storage and builds the server. In dev mode without an API key, one is generated on
   * first start and kept in the store, so it stays the same across restarts. `seams` replaces
   * the single-node implementations of ports that span nodes.
   */
  static async create(options: ServerOptions, seams: ServerSeams = {}): Promise<Switchboard> {
    const logger = createLogger(options.logLevel)
    const db = options.storage === 'sqlite' ? openDatabase(options.dataDir) : undefined
    const history = db === undefined ? new MemoryHistory() : new SqliteHistory(db)
    const store = db === undefined ? new MemoryStore() : new SqliteStore(db)
    const documentStore = await openDocumentStore(options, db)

    if (options.devMode && options.apiKeys.length === 0) {
      let key = await store.get(DEV_API_KEY)
      if (key === undefined) {
        key = `sb_dev_${randomBytes(18).toString('base64url')}`
        await store.set(DEV_API_KEY, key)
      }
      options.apiKeys.push(key)
    }
    const broker = new MemoryBroker(history)
    const relay = seams.documentRelay ?? new LocalDocumentRelay()
    return new Switchboard(options, logger, broker, store, documentStore, relay, db)
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject)
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off('error', reject)
        resolve()
      })
    })
    const port = (this.http.address() as AddressInfo).port
    this.logger.info({ host: this.options.host, port, storage: this.options.storage }, 'listening')
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
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()))
    this.websocket.shutdown()
    this.sse.shutdown()
    this.documentGateway.shutdown()
    this.http.closeIdleConnections()

    const drained = Promise.race([closed, delay(this.options.shutdown.drainTimeoutMs)])
    await drained
    this.websocket.terminateAll()
    this.documentGateway.terminateAll()
    this.http.closeAllConnections()
    await closed

    await this.documents.close()
    await this.documentRelay.close()
    await this.documentStore.close()
    await this.broker.close()
    await this.store.close()
    this.db?.close()
    this.logger.info('stopped')
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    const url = parseUrl(request)
    if (url === undefined) {
      sendError(response, new SwitchboardError(ErrorCode.BadRequest, 'malformed request URL'))
      return
    }
    if (url.pathname === '/sse') {
      this.sse.handle(request, response, url).catch((error: unknown) => {
        this.logger.error({ err: error }, 'sse request failed')
        sendError(response, error)
      })
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
