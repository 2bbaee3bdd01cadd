/**
 * WebSocket transport of `/docs/{name}`, the y-websocket endpoint: maps a `ws` socket onto a
 * document peer. One socket serves one document, as y-websocket providers expect. Outgoing
 * messages are framed once per broadcast and written straight to the TCP socket, coalesced
 * per event-loop turn, like `/ws`.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import {
  CloseCode,
  DocumentCloseCode,
  closeReason,
  documentCloseReason,
} from '@switchboard/protocol'
import type { Logger } from 'pino'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { Authenticator } from '../auth/authenticator.js'
import type { DocumentAccess, ServerOptions } from '../config/defaults.js'
import { FrameQueue } from '../connection/frame-queue.js'
import type { FlushScheduler } from '../connection/outbound.js'
import type { DocumentAccessPolicy } from '../documents/access.js'
import type { DocumentPeer, LiveDocument } from '../documents/live-document.js'
import { MESSAGE_HEADROOM_BYTES } from '../documents/messages.js'
import type { OutgoingDocumentMessage } from '../documents/outgoing.js'
import type { DocumentService } from '../documents/service.js'
import type { ServerStats } from '../metrics.js'

export interface DocumentGatewayDependencies {
  options: ServerOptions
  documents: DocumentService
  access: DocumentAccessPolicy
  authenticator: Authenticator
  scheduler: FlushScheduler
  stats: ServerStats
  logger: Logger
}

class DocumentSocket implements DocumentPeer {
  private readonly frames: FrameQueue
  private closing = false
  document: LiveDocument | undefined
  alive = true

  constructor(
    readonly id: string,
    readonly access: DocumentAccess,
    readonly ws: WebSocket,
    socket: Socket,
    private readonly gateway: DocumentGateway,
  ) {
    this.frames = new FrameQueue(socket, gateway.scheduler, gateway.stats)
  }

  send(message: OutgoingDocumentMessage): void {
    if (this.closing) return
    if (!this.frames.push(message.wsFrame(), this.gateway.maxQueueBytes)) {
      this.gateway.stats.slowConsumerDisconnects++
      this.close(CloseCode.SlowConsumer)
    }
  }

  close(code: number): void {
    if (this.closing) return
    this.frames.flush()
    this.closing = true
    this.frames.clear()
    this.ws.close(code, reasonOf(code))
  }
}

export class DocumentGateway {
  readonly sockets = new Set<DocumentSocket>()
  readonly maxQueueBytes: number
  readonly scheduler: FlushScheduler
  readonly stats: ServerStats
  private readonly wss: WebSocketServer
  private readonly heartbeatTimer: NodeJS.Timeout
  private accepting = true

  constructor(private readonly deps: DocumentGatewayDependencies) {
    // A joining client's sync step 2 holds the whole document in one frame.
    this.maxQueueBytes = deps.options.limits.maxQueueBytes + deps.options.documents.maxDocumentBytes
    this.scheduler = deps.scheduler
    this.stats = deps.stats
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: deps.options.documents.maxUpdateBytes + MESSAGE_HEADROOM_BYTES,
    })
    this.heartbeatTimer = setInterval(() => this.heartbeat(), deps.options.heartbeat.intervalMs)
    this.heartbeatTimer.unref()
  }

  /** Handles an upgrade for `/docs/{name}`; `rawName` is the path after `/docs/`. */
  handleUpgrade(
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    url: URL,
    rawName: string,
  ): void {
    if (!this.accepting) {
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      )
      return
    }

    this.deps.authenticator.identify(request, url).then(
      (identity) => {
        const name = decodeName(rawName)
        let code: number | undefined
        let access: DocumentAccess = 'none'
        try {
          if (name === undefined) throw new Error('undecodable name')
          this.deps.documents.checkName(name)
          access = this.deps.access(identity, name)
          if (access === 'none') code = DocumentCloseCode.Forbidden
        } catch {
          code = DocumentCloseCode.InvalidName
        }
        this.accept(request, socket, head, name ?? '', access, code)
      },
      () => this.accept(request, socket, head, '', 'none', DocumentCloseCode.Unauthorized),
    )
  }

  private accept(
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    name: string,
    access: DocumentAccess,
    refusal: number | undefined,
  ): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      // Refuse after the handshake, so that the client can read the close code.
      const code = refusal ?? (this.accepting ? undefined : CloseCode.ServerShutdown)
      if (code !== undefined) {
        ws.close(code, reasonOf(code))
        return
      }

      const peer = new DocumentSocket(randomUUID(), access, ws, socket, this)
      this.sockets.add(peer)
      ws.on('message', (data, isBinary) => this.onMessage(peer, data, isBinary))
      ws.on('pong', () => {
        peer.alive = true
      })
      ws.on('error', (error) => {
        this.deps.logger.debug({ err: error, peer: peer.id }, 'document websocket error')
      })
      ws.on('close', () => {
        peer.close(CloseCode.Normal)
        this.sockets.delete(peer)
        peer.document?.leave(peer)
      })
      peer.document = this.deps.documents.connect(name, peer)
    })
  }

  private onMessage(peer: DocumentSocket, data: RawData, isBinary: boolean): void {
    const buffer = data as Buffer
    this.stats.bytesReceived += buffer.length
    peer.alive = true
    if (!isBinary) {
      peer.close(DocumentCloseCode.ProtocolError)
      return
    }
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length)
    // A refusal closes the peer with its code, or (an update from a read-only client) is
    // the silent drop y-websocket expects: nothing more to tell the client here.
    peer.document?.receive(peer, bytes).catch(() => undefined)
  }

  /** One shared timer: a peer that did not answer the previous ping is terminated. */
  private heartbeat(): void {
    for (const peer of this.sockets) {
      if (!peer.alive) {
        peer.ws.terminate()
        continue
      }
      peer.alive = false
      peer.ws.ping()
    }
  }

  /** Stops accepting and closes every peer with `server_shutdown`; providers reconnect. */
  shutdown(): void {
    this.accepting = false
    clearInterval(this.heartbeatTimer)
    for (const peer of this.sockets) peer.close(CloseCode.ServerShutdown)
  }

  /** Destroys sockets that did not finish their closing handshake. */
  terminateAll(): void {
    for (const peer of this.sockets) peer.ws.terminate()
  }
}

function reasonOf(code: number): string {
  return documentCloseReason[code] ?? closeReason[code] ?? ''
}

/** y-websocket puts the room name into the path as it is; decode it if it was escaped. */
function decodeName(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}
