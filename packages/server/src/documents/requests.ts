/**
 * Documents over the `/ws` connection: the `doc.open`, `doc.message` and `doc.close`
 * requests, so that one connection carries many documents beside its channels. Each open
 * document is a `ConnectionDocumentPeer` of its `LiveDocument`, under the same access rules
 * (`documents/access.ts`) and limits as a `/docs/{name}` socket.
 */
import { DocumentCloseCode, ErrorCode, type DocOpenResult } from '@switchboard/protocol'
import type { DocumentOptions } from '../config/defaults.js'
import type { Connection } from '../connection/connection.js'
import { SwitchboardError } from '../errors.js'
import type { DocumentAccessPolicy } from './access.js'
import { ConnectionDocumentPeer } from './connection-peer.js'
import type { DocumentService } from './service.js'

export interface DocumentRequestsDependencies {
  documents: DocumentService
  access: DocumentAccessPolicy
  options: DocumentOptions
  /** `limits.maxFrameBytes`: a `doc.message` frame, envelope included, must fit. */
  maxFrameBytes: number
}

/** Room in a `doc.message` frame for everything but `data` (action, id, part numbers). */
const ENVELOPE_CHARS = 256

/** A `doc.open` that passed its checks: answer it, then `start` the sync. */
export interface OpenedDocument {
  result: DocOpenResult
  start(): void
}

export class DocumentRequests {
  private readonly byConnection = new Map<Connection, Map<string, ConnectionDocumentPeer>>()
  /** A joining document's sync step 2 as a push: the whole document in base64. */
  private readonly extraQueueBytes: number

  constructor(private readonly deps: DocumentRequestsDependencies) {
    this.extraQueueBytes = Math.ceil(deps.options.maxDocumentBytes / 3) * 4 + ENVELOPE_CHARS
  }

  /** Documents the connection holds open. */
  openCount(connection: Connection): number {
    return this.byConnection.get(connection)?.size ?? 0
  }

  open(connection: Connection, name: string): OpenedDocument {
    if (connection.transport !== 'websocket') {
      throw new SwitchboardError(
        ErrorCode.BadRequest,
        'documents need a WebSocket (/ws), or /docs/{name} for y-websocket',
      )
    }
    if (connection.pending) {
      throw new SwitchboardError(
        ErrorCode.Unauthorized,
        'send {"action":"connect","token":"..."} before any other request',
      )
    }
    this.deps.documents.checkName(name)
    const access = this.deps.access(connection.identity, name)
    if (access === 'none') {
      throw new SwitchboardError(ErrorCode.Forbidden, `this connection may not open ${name}`)
    }

    let peers = this.byConnection.get(connection)
    let peer = peers?.get(name)
    if (peer === undefined) {
      const max = this.deps.options.maxPerConnection
      if ((peers?.size ?? 0) >= max) {
        throw new SwitchboardError(
          ErrorCode.LimitExceeded,
          `the connection holds ${max} documents open, the limit (documents.maxPerConnection)`,
        )
      }
      peer = new ConnectionDocumentPeer(
        name,
        connection,
        access,
        this.deps.options.maxUpdateBytes,
        (ended) => this.forget(ended),
      )
      if (peers === undefined) {
        peers = new Map()
        this.byConnection.set(connection, peers)
        connection.extraQueueBytes = this.extraQueueBytes
      }
      peers.set(name, peer)
    }
    peer.access = access

    const opened = peer
    const maxChunkChars = Math.max(
      4,
      Math.floor((this.deps.maxFrameBytes - ENVELOPE_CHARS - name.length) / 4) * 4,
    )
    return {
      result: { doc: name, access, maxChunkChars },
      start: () => {
        if (!opened.open) return
        if (opened.document === undefined)
          opened.document = this.deps.documents.connect(name, opened)
        else opened.document.join(opened)
      },
    }
  }

  /** Handles a `doc.message`; resolves once the message is handled (an update, durable). */
  message(
    connection: Connection,
    name: string,
    data: string,
    part: number | undefined,
    parts: number | undefined,
  ): Promise<void> {
    return this.peer(connection, name).receive(data, part, parts)
  }

  close(connection: Connection, name: string): void {
    this.peer(connection, name).end()
  }

  /** The connection is gone: its documents forget it. */
  disconnected(connection: Connection): void {
    for (const peer of [...(this.byConnection.get(connection)?.values() ?? [])]) peer.end()
  }

  /**
   * After a `refresh`: each document's access under the new token. A document the token no
   * longer allows is closed with `forbidden`; one it allows less becomes read-only.
   */
  reauthorize(connection: Connection): void {
    for (const peer of [...(this.byConnection.get(connection)?.values() ?? [])]) {
      const access = this.deps.access(connection.identity, peer.name)
      if (access === 'none') peer.close(DocumentCloseCode.Forbidden)
      else peer.access = access
    }
  }

  private peer(connection: Connection, name: string): ConnectionDocumentPeer {
    const peer = this.byConnection.get(connection)?.get(name)
    if (peer === undefined) {
      throw new SwitchboardError(
        ErrorCode.DocumentNotOpen,
        `document ${name} is not open on this connection; send doc.open first`,
      )
    }
    return peer
  }

  private forget(peer: ConnectionDocumentPeer): void {
    const peers = this.byConnection.get(peer.connection)
    if (peers?.get(peer.name) !== peer) return
    peers.delete(peer.name)
    if (peers.size > 0) return
    this.byConnection.delete(peer.connection)
    peer.connection.extraQueueBytes = 0
  }
}
