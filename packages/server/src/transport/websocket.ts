/**
 * WebSocket transport at `/ws`: maps a `ws` socket onto the connection interface. Outgoing
 * frames are built by the hub (once per publication) and written straight to the TCP socket,
 * coalesced per event-loop turn; `ws` handles the handshake, incoming frames, control frames
 * and the closing handshake.
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import {
  CloseCode,
  ErrorCode,
  closeReason,
  shouldReconnect,
  type DisconnectPush,
} from '@switchboard/protocol'
import type { Logger } from 'pino'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { SUBPROTOCOL, type Authenticator } from '../auth/authenticator.js'
import type { ServerOptions } from '../config/defaults.js'
import { Connection, type ConnectionIdentity } from '../connection/connection.js'
import { FrameQueue } from '../connection/frame-queue.js'
import type { FlushScheduler } from '../connection/outbound.js'
import type { ConnectionRegistry } from '../connection/registry.js'
import type { RequestHandler } from '../connection/requests.js'
import type { FunctionRouter } from '../functions/router.js'
import { SwitchboardError } from '../errors.js'
import type { Hub } from '../hub/hub.js'
import type { OutgoingPresence, OutgoingPublication } from '../hub/publication.js'
import type { ConnectionPolicy } from '../limits/connection-policy.js'
import type { ServerStats } from '../metrics.js'
import { encodeTextFrame } from './ws-frame.js'

const PING_PUSH = encodeTextFrame('{"type":"ping"}')

export interface WebSocketGatewayDependencies {
  options: ServerOptions
  hub: Hub
  requests: RequestHandler
  authenticator: Authenticator
  policy: ConnectionPolicy
  registry: ConnectionRegistry
  functions: FunctionRouter
  scheduler: FlushScheduler
  stats: ServerStats
  logger: Logger
}

/**
 * How a handshake ended: an identity (or a connection waiting for `connect`) with the claims
 * `$connect` attached, or the close code `$connect` refused it with.
 */
type Admission =
  { identity: ConnectionIdentity | 'pending'; claims: Record<string, unknown> } | { refuse: number }

class WebSocketConnection extends Connection {
  private readonly frames: FrameQueue
  private closing = false
  /** Whether the peer showed signs of life since the last heartbeat tick. */
  alive = true
  /** Whether anything was queued since the last heartbeat tick. */
  sentSinceTick = false

  constructor(
    id: string,
    identity: ConnectionIdentity,
    readonly ws: WebSocket,
    socket: Socket,
    private readonly gateway: WebSocketGateway,
  ) {
    super(id, 'websocket', identity)
    this.frames = new FrameQueue(socket, gateway.scheduler, gateway.stats)
  }

  get closed(): boolean {
    return this.closing
  }

  deliver(publication: OutgoingPublication): void {
    this.enqueue(publication.wsFrame())
  }

  deliverPresence(event: OutgoingPresence): void {
    this.enqueue(event.wsFrame())
  }

  sendDirect(dataJson: string): boolean {
    if (this.closing) return false
    this.enqueue(encodeTextFrame(`{"type":"direct","data":${dataJson}}`))
    return true
  }

  send(message: object): void {
    this.enqueue(encodeTextFrame(JSON.stringify(message)))
  }

  sendFrame(frame: Buffer): boolean {
    this.enqueue(frame)
    return !this.closing
  }

  enqueue(frame: Buffer): void {
    if (this.closing) return
    if (!this.frames.push(frame, this.gateway.maxQueueBytes + this.extraQueueBytes)) {
      this.gateway.stats.slowConsumerDisconnects++
      this.close(CloseCode.SlowConsumer)
      return
    }
    this.sentSinceTick = true
  }

  override disconnect(code: number, message: string): void {
    if (this.closing) return
    const push: DisconnectPush = {
      type: 'disconnect',
      code: closeReason[code] ?? 'normal',
      reconnect: shouldReconnect(code),
      message,
    }
    this.send(push)
    this.close(code)
  }

  close(code: number): void {
    if (this.closing) return
    this.frames.flush()
    this.closing = true
    this.frames.clear()
    this.ws.close(code, closeReason[code] ?? '')
  }
}

export class WebSocketGateway {
  readonly connections = new Set<WebSocketConnection>()
  readonly maxQueueBytes: number
  readonly scheduler: FlushScheduler
  readonly stats: ServerStats
  private readonly wss: WebSocketServer
  private readonly heartbeatTimer: NodeJS.Timeout
  private accepting = true

  constructor(private readonly deps: WebSocketGatewayDependencies) {
    this.maxQueueBytes = deps.options.limits.maxQueueBytes
    this.scheduler = deps.scheduler
    this.stats = deps.stats
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: deps.options.limits.maxFrameBytes,
      // Select our protocol when offered; never echo an offered token entry back.
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    })
    this.heartbeatTimer = setInterval(() => this.heartbeat(), deps.options.heartbeat.intervalMs)
    this.heartbeatTimer.unref()
  }

  /** Handles an HTTP upgrade request for `/ws`. */
  handleUpgrade(request: IncomingMessage, socket: Socket, head: Buffer, url: URL): void {
    if (!this.accepting) {
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      )
      return
    }

    const id = this.deps.registry.newId()
    this.admit(request, url, id).then(
      (admission) => this.accept(request, socket, head, id, admission),
      (error: unknown) => this.accept(request, socket, head, id, error as SwitchboardError),
    )
  }

  /**
   * The connection's identity: from its token; without one, anonymous if allowed, else waiting
   * for `connect`. Then the `$connect` function, if any, may refuse it or attach claims.
   */
  private async admit(request: IncomingMessage, url: URL, id: string): Promise<Admission> {
    const { authenticator, functions } = this.deps
    const token = authenticator.tokenOf(request, url)
    let identity: ConnectionIdentity | 'pending'
    if (token !== undefined)
      identity = await authenticator.fromToken(token, this.deps.authenticator.addressOf(request))
    else identity = authenticator.anonymous() ?? 'pending'

    const decided = await functions.connect(
      id,
      identity === 'pending' ? this.placeholderIdentity() : identity,
      request,
      url,
    )
    if ('refuse' in decided) return { refuse: decided.refuse }
    if (identity !== 'pending' && !(await this.deps.policy.acquire(identity, id))) {
      return { refuse: CloseCode.TooManyConnections }
    }
    return { identity, claims: decided.claims }
  }

  private accept(
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    id: string,
    admission: Admission | SwitchboardError,
  ): void {
    // Whatever becomes of the handshake, a slot taken for it is freed when the socket closes.
    socket.once('close', () => this.deps.policy.releaseSlot(id))
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      // Refuse after the handshake, so that a browser can read the close code.
      if (admission instanceof SwitchboardError || 'refuse' in admission || !this.accepting) {
        refuse(ws, admission)
        return
      }

      const pending = admission.identity === 'pending'
      const identity = pending
        ? this.placeholderIdentity()
        : (admission.identity as ConnectionIdentity)
      const connection = new WebSocketConnection(id, identity, ws, socket, this)
      connection.pending = pending
      connection.claims = admission.claims
      connection.address = this.deps.authenticator.addressOf(request)
      this.connections.add(connection)
      this.deps.registry.add(connection)
      ws.on('message', (data, isBinary) => this.onMessage(connection, data, isBinary))
      ws.on('pong', () => {
        connection.alive = true
      })
      ws.on('error', (error) => {
        this.deps.logger.debug({ err: error, connection: connection.id }, 'websocket error')
      })
      ws.on('close', () => {
        connection.close(CloseCode.Normal)
        this.connections.delete(connection)
        this.deps.registry.remove(connection)
        this.deps.hub.disconnect(connection)
        this.deps.requests.disconnected(connection)
        this.deps.functions.disconnected(connection)
      })
    })
  }

  private onMessage(connection: WebSocketConnection, data: RawData, isBinary: boolean): void {
    const buffer = data as Buffer
    this.stats.bytesReceived += buffer.length
    connection.alive = true
    const reply = (message: object) => connection.send(message)

    if (isBinary) {
      const error = {
        code: ErrorCode.BadRequest,
        message: 'binary frames are not supported; send JSON text frames',
      }
      this.deps.requests.replyError(reply, undefined, error)
      return
    }
    this.deps.requests.handleText(connection, buffer.toString('utf8'), reply)
  }

  /** The identity of a connection until its `connect`: no user, and nothing allowed. */
  private placeholderIdentity(): ConnectionIdentity {
    return {
      user: undefined,
      info: undefined,
      plan: this.deps.policy.defaultPlan,
      grants: undefined,
      expiresAt: undefined,
    }
  }

  /**
   * One shared timer for all connections: a connection that did not answer the previous ping
   * is terminated, so a dead peer is reaped within two intervals. Connections that got
   * nothing since the last tick also get a `ping` push, so clients can detect a dead server.
   */
  private heartbeat(): void {
    for (const connection of this.connections) {
      if (connection.closed) continue
      if (!connection.alive) {
        this.deps.logger.debug({ connection: connection.id }, 'heartbeat timeout')
        connection.close(CloseCode.HeartbeatTimeout)
        connection.ws.terminate()
        continue
      }
      connection.alive = false
      connection.ws.ping()
      if (!connection.sentSinceTick) connection.enqueue(PING_PUSH)
      connection.sentSinceTick = false
    }
  }

  /**
   * Stops accepting, tells every client to reconnect after a random delay (so a restart does
   * not cause a reconnection storm), and closes with `server_shutdown`.
   */
  shutdown(): void {
    this.accepting = false
    clearInterval(this.heartbeatTimer)
    const jitterMs = this.deps.options.shutdown.reconnectJitterMs
    for (const connection of this.connections) {
      const push: DisconnectPush = {
        type: 'disconnect',
        code: 'server_shutdown',
        reconnect: true,
        reconnectAfterMs: Math.floor(Math.random() * jitterMs),
      }
      connection.send(push)
      connection.close(CloseCode.ServerShutdown)
    }
  }

  /** Destroys connections that did not finish their closing handshake. */
  terminateAll(): void {
    for (const connection of this.connections) connection.ws.terminate()
  }
}

/**
 * Closes a just-accepted socket with the refusal's code and nothing before it: clients take
 * any frame as a sign that their token was accepted.
 */
function refuse(ws: WebSocket, refusal: SwitchboardError | Admission): void {
  ws.close(...refusalCode(refusal))
}

function refusalCode(refusal: SwitchboardError | Admission): [number, string] {
  if ('refuse' in refusal) return [refusal.refuse, closeReason[refusal.refuse] ?? 'refused']
  if (!(refusal instanceof SwitchboardError)) {
    return [CloseCode.ServerShutdown, closeReason[CloseCode.ServerShutdown]!]
  }
  // A key set that could not be fetched, or a failing `$connect`, is the server's problem:
  // the client may retry.
  const serverSide: string[] = [
    ErrorCode.Unavailable,
    ErrorCode.FunctionFailed,
    ErrorCode.FunctionTimeout,
  ]
  const code = serverSide.includes(refusal.code) ? CloseCode.InternalError : CloseCode.Unauthorized
  return [code, closeReason[code]!]
}
