/**
 * A message on its way to a document's peers, framed once, on first use, for each way peers
 * receive it: a binary frame on `/docs/{name}`, a `doc` push (JSON, base64) on `/ws`.
 */
import { encodeBinaryFrame, encodeTextFrame } from '../transport/ws-frame.js'

export class OutgoingDocumentMessage {
  private wsFrameCache: Buffer | undefined
  private pushFrameCache: Buffer | undefined

  constructor(readonly bytes: Uint8Array) {}

  /** The message as one binary frame of `/docs/{name}`. */
  wsFrame(): Buffer {
    this.wsFrameCache ??= encodeBinaryFrame(this.bytes)
    return this.wsFrameCache
  }

  /** The message as a `doc` push of `/ws`; every peer of one message has the same document. */
  pushFrame(document: string): Buffer {
    this.pushFrameCache ??= encodeTextFrame(
      `{"type":"doc","doc":${JSON.stringify(document)},"data":"${base64(this.bytes)}"}`,
    )
    return this.pushFrameCache
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}
