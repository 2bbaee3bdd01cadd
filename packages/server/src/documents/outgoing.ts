/** A message on its way to a document's peers, framed for WebSocket once, on first use. */
import { encodeBinaryFrame } from '../transport/ws-frame.js'

export class OutgoingDocumentMessage {
  private wsFrameCache: Buffer | undefined

  constructor(readonly bytes: Uint8Array) {}

  wsFrame(): Buffer {
    this.wsFrameCache ??= encodeBinaryFrame(this.bytes)
    return this.wsFrameCache
  }
}
