/**
 * How the typing benchmark speaks to each Yjs server: y-websocket's one-document-per-socket
 * messages (Switchboard's `/docs/{name}`), and Hocuspocus's document-prefixed messages with
 * its authentication step. Both carry the same Yjs updates.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

export interface YjsDialect {
  url(port: number, document: string): string
  /** Messages a client sends right after the socket opens. */
  greeting(document: string): Uint8Array[]
  /** A message carrying one document update. */
  update(document: string, update: Uint8Array): Uint8Array
  /** The update a server message carries, or undefined for any other message. */
  incomingUpdate(message: Uint8Array): Uint8Array | undefined
}

const SYNC = 0
const AUTH = 2
const SYNC_STEP_1 = 0
const SYNC_STEP_2 = 1
const SYNC_UPDATE = 2
/** Hocuspocus's empty-state-vector step 1 answer; the server then sends its own step 1. */
const EMPTY_STATE_VECTOR = new Uint8Array([0])

function message(prefix: string | undefined, write: (e: encoding.Encoder) => void) {
  const encoder = encoding.createEncoder()
  if (prefix !== undefined) encoding.writeVarString(encoder, prefix)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

function syncMessage(prefix: string | undefined, step: number, payload: Uint8Array) {
  return message(prefix, (e) => {
    encoding.writeVarUint(e, SYNC)
    encoding.writeVarUint(e, step)
    encoding.writeVarUint8Array(e, payload)
  })
}

/** Reads a sync update or step 2 after the optional document prefix. */
function readUpdate(decoder: decoding.Decoder): Uint8Array | undefined {
  if (decoding.readVarUint(decoder) !== SYNC) return undefined
  const step = decoding.readVarUint(decoder)
  if (step !== SYNC_UPDATE && step !== SYNC_STEP_2) return undefined
  return decoding.readVarUint8Array(decoder)
}

export const yWebsocket: YjsDialect = {
  url: (port, document) => `ws://127.0.0.1:${port}/docs/${document}`,
  greeting: () => [syncMessage(undefined, SYNC_STEP_1, EMPTY_STATE_VECTOR)],
  update: (_document, update) => syncMessage(undefined, SYNC_UPDATE, update),
  incomingUpdate: (bytes) => readUpdate(decoding.createDecoder(bytes)),
}

export const hocuspocus: YjsDialect = {
  url: (port) => `ws://127.0.0.1:${port}`,
  greeting: (document) => [
    message(document, (e) => {
      encoding.writeVarUint(e, AUTH)
      encoding.writeVarUint(e, 0) // token
      encoding.writeVarString(e, '')
    }),
    syncMessage(document, SYNC_STEP_1, EMPTY_STATE_VECTOR),
  ],
  update: (document, update) => syncMessage(document, SYNC_UPDATE, update),
  incomingUpdate: (bytes) => {
    const decoder = decoding.createDecoder(bytes)
    decoding.readVarString(decoder)
    return readUpdate(decoder)
  },
}
