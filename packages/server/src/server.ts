/**
 * Composition root: builds the storage behind each port, the hub and the transports, and
 * serves them on one HTTP server.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { ErrorCode } from '@switchboard/protocol'
import type { Logger } from 'pino'
import { Authenticator } from './auth.js'
import { MemoryBroker } from './broker/memory.js'
import type { ServerOptions } from './config/defaults.js'
import { FlushScheduler } from './connection/outbound.js'
import { RequestHandler } from './connection/requests.js'
import { SwitchboardError } from './errors.js'
import { MemoryHistory } from './history/memory.js'
import { SqliteHistory } from './history/sqlite.js'
import { Hub } from './hub/hub.js'
import { Namespaces } from './hub/namespaces.js'
import { createListener, type Listener } from './listener.js'
import { createLogger } from './logger.js'
import { Metrics, ServerStats } from './metrics.js'
import type { Broker } from './ports/broker.js'
import type { KeyValueStore } from './ports/store.js'
import { MemoryPresence } from './presence/memory.js'
import { TransportGate } from './security/gate.js'
import { openDatabase, type SqliteDatabase } from './storage/sqlite.js'
import { MemoryStore } from './store/memory.js'
import { SqliteStore } from './store/sqlite.js'
import { readTlsCredentials, type TlsCredentials } from './tls.js'
import { HttpApi } from './transport/http-api.js'
import { handleClientRequest, type HttpClientDependencies } from './transport/http-client.js'
import { sendError } from './transport/http-util.js'
import { SseGateway } from './transport/sse.js'
import { WebSocketGateway } from './transport/websocket.js'

const DEV_API_KEY = 'dev-api-key'

export class Switchboard {
  private readonly http: Listener
  private readonly gate: TransportGate
  private readonly websocket: WebSocketGateway
  private readonly sse: SseGateway
  private readonly api: HttpApi
  private readonly clientRequests: HttpClientDependencies
  private stopping: Promise<void> | undefined

  private constructor(
    readonly options: ServerOptions,
    readonly logger: Logger,
    private readonly broker: Broker,
    private readonly store: KeyValueStore,
    private readonly db: SqliteDatabase | undefined,
    tls: TlsCredentials | undefined,
  ) {
    const stats = new ServerStats()
    const scheduler = new FlushScheduler()
    const presence = new MemoryPresence()
    const hub = new Hub({
      broker,
      presence,
      namespaces: new Namespaces(options),
      limits: options.limits,
      stats,
      logger,
    })
    const metrics = new Metrics({
      stats,
      connections: () => ({
        websocket: this.websocket.connections.size,
        sse: this.sse.connections.size,
      }),
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
   * first start and kept in the store, so it stays the same across restarts.
   */
  static async create(options: ServerOptions): Promise<Switchboard> {
    const logger = createLogger(options.logLevel)
    // Read before storage is opened, so that a bad file leaves nothing to clean up.
    const tls = readTlsCredentials(options)
    const db = options.storage === 'sqlite' ? openDatabase(options.dataDir) : undefined
    const history = db === undefined ? new MemoryHistory() : new SqliteHistory(db)
    const store = db === undefined ? new MemoryStore() : new SqliteStore(db)

    if (options.devMode && options.apiKeys.length === 0) {
      let key = await store.get(DEV_API_KEY)
      if (key === undefined) {
        key = `sb_dev_${randomBytes(18).toString('base64url')}`
        await store.set(DEV_API_KEY, key)
      }
      options.apiKeys.push(key)
    }
    return new Switchboard(options, logger, new MemoryBroker(history), store, db, tls)
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async listen(): Promise<number> {
    const port = await this.http.listen(this.options.port, this.options.host)
    const { host, storage } = this.options
    this.logger.info({ host, port, storage, tls: this.http.secure }, 'listening')
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
    this.http.closeIdle()

    const drained = Promise.race([closed, delay(this.options.shutdown.drainTimeoutMs)])
    await drained
    this.websocket.terminateAll()
    this.http.closeAll()
    await closed

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
    if (url.pathname === '/client/request') {
      void handleClientRequest(this.clientRequests, request, response, url)
      return
    }
    if (this.api.handle(request, response, url)) return
    sendError(response, new SwitchboardError(ErrorCode.NotFound, `no route ${url.pathname}`))
  }
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
