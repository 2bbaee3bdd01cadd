/**
 * One document opened on a `/ws` connection (`doc.open`): the document's peer for that
 * connection. Its messages travel as `doc` pushes on the connection, beside its channels and
 * its other documents; when the server ends the session it pushes `doc.closed` instead of
 * closing the socket. It also joins a message that arrives in parts.
 */
import { randomUUID } from 'node:crypto'
import {
  CloseCode,
  DocumentCloseCode,
  ErrorCode,
  closeReason,
  documentCloseReason,
  shouldReconnectDocument,
  type DocumentClosedPush,
} from '@switchboard/protocol'
import type { DocumentAccess } from '../config/defaults.js'
import type { Connection } from '../connection/connection.js'
import { SwitchboardError } from '../errors.js'
import { encodeTextFrame } from '../transport/ws-frame.js'
import type { DocumentPeer, LiveDocument } from './live-document.js'
import { MESSAGE_HEADROOM_BYTES } from './messages.js'
import type { OutgoingDocumentMessage } from './outgoing.js'

/** A message arriving in parts: the parts so far. */
interface PartialMessage {
  parts: number
  next: number
  chunks: Buffer[]
  bytes: number
}

export class ConnectionDocumentPeer implements DocumentPeer {
  readonly id = randomUUID()
  document: LiveDocument | undefined
  private partial: PartialMessage | undefined
  private ended = false

  constructor(
    readonly name: string,
    readonly connection: Connection,
    /** Narrowed when the connection's token is refreshed. */
    public access: DocumentAccess,
    /** `documents.maxUpdateBytes`: a message may be this plus `MESSAGE_HEADROOM_BYTES`. */
    private readonly maxUpdateBytes: number,
    /** Called once when the session ends, however it ends. */
    private readonly onEnd: (peer: ConnectionDocumentPeer) => void,
  ) {}

  get open(): boolean {
    return !this.ended
  }

  send(message: OutgoingDocumentMessage): void {
    if (!this.ended) this.connection.sendFrame(message.pushFrame(this.name))
  }

  /** The server ends the session: the client hears why, and whether to open it again. */
  close(code: number): void {
    if (this.ended) return
    this.end()
    const push: DocumentClosedPush = {
      type: 'doc.closed',
      doc: this.name,
      code: documentCloseReason[code] ?? closeReason[code] ?? closeReason[CloseCode.InternalError]!,
      reconnect: shouldReconnectDocument(code),
    }
    this.connection.sendFrame(encodeTextFrame(JSON.stringify(push)))
  }

  /** The client closed the document, or the connection went away: nothing to tell. */
  end(): void {
    if (this.ended) return
    this.ended = true
    this.partial = undefined
    this.document?.leave(this)
    this.onEnd(this)
  }

  /**
   * Takes one `doc.message`: a whole message, or one of its parts. Resolves when the message
   * is handled (for a part before the last, at once).
   */
  receive(data: string, part: number | undefined, parts: number | undefined): Promise<void> {
    const chunk = Buffer.from(data, 'base64')
    if (part === undefined || parts === undefined) {
      // A whole message abandons an unfinished one: its sender lost the thread.
      this.partial = undefined
      return this.handle(chunk)
    }

    if (part === 0) this.partial = { parts, next: 0, chunks: [], bytes: 0 }
    const partial = this.partial
    if (partial === undefined || partial.parts !== parts || partial.next !== part) {
      this.partial = undefined
      const expected = partial === undefined ? 'part 0' : `part ${partial.next} of ${partial.parts}`
      const message = `doc.message part ${part} of ${parts} arrived when ${expected} was due`
      return Promise.reject(new SwitchboardError(ErrorCode.BadRequest, message))
    }
    partial.chunks.push(chunk)
    partial.bytes += chunk.length
    partial.next++
    if (partial.bytes > this.maxUpdateBytes + MESSAGE_HEADROOM_BYTES) {
      this.partial = undefined
      this.close(DocumentCloseCode.UpdateTooLarge)
      const limit = `documents.maxUpdateBytes (${this.maxUpdateBytes}) plus 64 KiB`
      return Promise.reject(
        new SwitchboardError(
          ErrorCode.UpdateTooLarge,
          `the message's parts hold ${partial.bytes} bytes so far, the limit is ${limit}`,
        ),
      )
    }
    if (partial.next < partial.parts) return Promise.resolve()

    this.partial = undefined
    return this.handle(Buffer.concat(partial.chunks, partial.bytes))
  }

  private handle(bytes: Buffer): Promise<void> {
    if (this.document === undefined || this.ended) {
      return Promise.reject(
        new SwitchboardError(ErrorCode.DocumentNotOpen, `document ${this.name} is not open`),
      )
    }
    return this.document.receive(this, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length))
  }
}
