/**
 * The listening socket: plain HTTP/1.1, or with TLS one `node:http2` secure server that speaks
 * HTTP/2 (SSE and the HTTP API multiplexed on one connection, free of the browser's six
 * connections per origin) and HTTP/1.1 (WebSocket upgrades, older clients) on the same port.
 *
 * Both enforce the slow-client limits: `limits.headersTimeoutMs` to send the headers (and, with
 * TLS, to finish the handshake) and `limits.requestTimeoutMs` to send the whole request. Neither
 * touches a response in progress, so SSE streams are never cut by them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import {
  constants,
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from 'node:http2'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import type { AdmissionLimits } from './config/defaults.js'
import type { TlsCredentials } from './tls.js'

/**
 * The HTTP/2 compatibility objects stand in for their HTTP/1 counterparts: the transports use
 * only what both provide (method, url, headers, socket address, body stream; writeHead, write,
 * end, destroy, writableLength, 'close'), and leave out connection-specific headers on HTTP/2.
 */
export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void
export type UpgradeListener = (request: IncomingMessage, socket: Socket, head: Buffer) => void

export interface Listener {
  readonly secure: boolean
  listen(port: number, host: string): Promise<number>
  /** Stops accepting and resolves once every connection is gone. */
  close(): Promise<void>
  /** Closes connections with no request in progress (HTTP/2: no new streams). */
  closeIdle(): void
  /** Destroys every remaining connection. */
  closeAll(): void
}

interface Timeouts {
  headersTimeoutMs: number
  requestTimeoutMs: number
}

export function createListener(
  limits: Pick<AdmissionLimits, keyof Timeouts>,
  tls: TlsCredentials | undefined,
  onRequest: RequestListener,
  onUpgrade: UpgradeListener,
): Listener {
  return tls === undefined
    ? new PlainListener(limits, onRequest, onUpgrade)
    : new SecureListener(limits, tls, onRequest, onUpgrade)
}

const REQUEST_TIMEOUT =
  'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
/** Grace for a refused client to read its answer before its socket is destroyed, in ms. */
const ANSWER_GRACE_MS = 1_000

/** Answers an HTTP/1 request the parser refused: 408 for a missed deadline, else 400. */
function onClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) return
  const status =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? '408 Request Timeout'
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : '400 Bad Request'
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

abstract class BaseListener implements Listener {
  abstract readonly secure: boolean
  protected abstract readonly server: Server | Http2SecureServer
  private closed: Promise<void> | undefined

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    return (this.server.address() as AddressInfo).port
  }

  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => this.server.close(() => resolve()))
    return this.closed
  }

  abstract closeIdle(): void
  abstract closeAll(): void
}

class PlainListener extends BaseListener {
  readonly secure = false
  protected readonly server: Server

  constructor(limits: Timeouts, onRequest: RequestListener, onUpgrade: UpgradeListener) {
    super()
    this.server = createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        // Node checks the deadlines on this interval; a quarter of the shorter one (at most
        // 1 s) makes a slow client go within 25 % of its limit.
        connectionsCheckingInterval: checkIntervalMs(limits),
      },
      onRequest,
    )
    this.server.on('upgrade', onUpgrade)
    this.server.on('clientError', onClientError)
  }

  closeIdle(): void {
    this.server.closeIdleConnections()
  }

  closeAll(): void {
    this.server.closeAllConnections()
  }
}

/** Per HTTP/1.1 TLS connection: the deadline timer, and whether a request is in progress. */
interface SecureConnection {
  timer: NodeJS.Timeout | undefined
  busy: boolean
}

/**
 * Node's HTTP/2 server does not apply `headersTimeout` and `requestTimeout` to its HTTP/1.1
 * connections, nor track them for a graceful close, so this class does both itself. HTTP/2
 * sessions are only ever handled through their session object: writing to or destroying the
 * socket under one breaks nghttp2's bookkeeping.
 */
class SecureListener extends BaseListener {
  readonly secure = true
  protected readonly server: Http2SecureServer
  private readonly connections = new Map<TLSSocket, SecureConnection>()
  private readonly sessions = new Set<Http2Session>()

  constructor(
    private readonly limits: Timeouts,
    tls: TlsCredentials,
    onRequest: RequestListener,
    onUpgrade: UpgradeListener,
  ) {
    super()
    this.server = createSecureServer({
      allowHTTP1: true,
      cert: tls.cert,
      key: tls.key,
      handshakeTimeout: limits.headersTimeoutMs,
    })
    this.server.on('secureConnection', (socket: TLSSocket) => this.track(socket))
    this.server.on('session', (session: Http2Session) => this.trackSession(session))
    this.server.on('request', (request: Http2ServerRequest, response: Http2ServerResponse) => {
      const http1 = request.httpVersionMajor === 1
      if (http1) this.requestStarted(request.socket as TLSSocket, response)
      this.watchRequest(request, response)
      onRequest(request as unknown as IncomingMessage, response as unknown as ServerResponse)
    })
    this.server.on('upgrade', (request: IncomingMessage, socket: TLSSocket, head: Buffer) => {
      const connection = this.connections.get(socket)
      if (connection !== undefined) {
        clearTimeout(connection.timer)
        connection.busy = true // from now on the WebSocket gateway owns it
      }
      onUpgrade(request, socket, head)
    })
    this.server.on('clientError', onClientError)
  }

  closeIdle(): void {
    for (const session of this.sessions) session.close()
    for (const [socket, connection] of this.connections) {
      if (!connection.busy) socket.destroy()
    }
  }

  closeAll(): void {
    for (const session of this.sessions) session.destroy()
    for (const socket of this.connections.keys()) socket.destroy()
  }

  /** A new HTTP/1.1 connection has `headersTimeoutMs` to send its first request. */
  private track(socket: TLSSocket): void {
    if (socket.alpnProtocol === 'h2') return
    const connection: SecureConnection = { timer: undefined, busy: false }
    this.connections.set(socket, connection)
    this.armHeadersDeadline(socket, connection)
    socket.once('close', () => {
      clearTimeout(connection.timer)
      this.connections.delete(socket)
    })
  }

  /**
   * An HTTP/2 session sends each request's headers in one frame, so its slow-loris form is a
   * session that opens no stream: it is closed once idle for `headersTimeoutMs` with none open.
   */
  private trackSession(session: Http2Session): void {
    this.sessions.add(session)
    session.once('close', () => this.sessions.delete(session))
    let openStreams = 0
    session.on('stream', (stream) => {
      openStreams++
      stream.once('close', () => openStreams--)
    })
    session.setTimeout(this.limits.headersTimeoutMs, () => {
      if (openStreams === 0) session.close()
    })
  }

  private requestStarted(socket: TLSSocket, response: Http2ServerResponse): void {
    const connection = this.connections.get(socket)
    if (connection === undefined) return
    clearTimeout(connection.timer)
    connection.busy = true
    response.once('finish', () => {
      connection.busy = false
      if (!socket.destroyed) this.armHeadersDeadline(socket, connection)
    })
  }

  /** The whole request, body included, must arrive within `requestTimeoutMs`. */
  private watchRequest(request: Http2ServerRequest, response: Http2ServerResponse): void {
    const timer = setTimeout(() => {
      if (requestReceived(request)) return
      if (request.httpVersionMajor === 1) {
        const socket = request.socket
        if (response.headersSent) {
          socket.destroy()
          return
        }
        socket.end(REQUEST_TIMEOUT)
        setTimeout(() => socket.destroy(), ANSWER_GRACE_MS).unref()
        return
      }
      // CANCEL, not NO_ERROR: a NO_ERROR close waits for our side to finish writing, which a
      // request still being read has not started, so the client would never be told.
      request.stream.close(constants.NGHTTP2_CANCEL)
    }, this.limits.requestTimeoutMs)
    timer.unref()
    request.once('close', () => clearTimeout(timer))
    request.once('end', () => clearTimeout(timer))
  }

  /**
   * A connection that started a request and did not finish its headers in time gets 408, as
   * Node's plain server answers; one that sent nothing is closed silently.
   */
  private armHeadersDeadline(socket: TLSSocket, connection: SecureConnection): void {
    clearTimeout(connection.timer)
    const bytesRead = socket.bytesRead
    connection.timer = setTimeout(() => {
      if (connection.busy) return
      if (socket.bytesRead === bytesRead || !socket.writable) {
        socket.destroy()
        return
      }
      socket.end(REQUEST_TIMEOUT)
      setTimeout(() => socket.destroy(), ANSWER_GRACE_MS).unref()
    }, this.limits.headersTimeoutMs)
    connection.timer.unref()
  }
}

/** Whether all of a request arrived: HTTP/1 parsed it whole, HTTP/2 saw its END_STREAM. */
function requestReceived(request: Http2ServerRequest): boolean {
  if (request.httpVersionMajor === 1) {
    return (request as unknown as IncomingMessage).complete
  }
  return request.stream.endAfterHeaders || request.readableEnded
}

function checkIntervalMs(limits: Timeouts): number {
  return Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)))
}
