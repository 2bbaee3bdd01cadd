/**
 * The y-websocket wire format (y-protocols): one message per binary WebSocket frame, a varUint
 * message type, then its body. Decoding never throws anything but an `invalid_update` error, so
 * a malformed frame costs its sender the connection and nothing else.
 */
import { ErrorCode } from '@switchboard/protocol'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { SwitchboardError } from '../errors.js'

/**
 * Room above `documents.maxUpdateBytes` for a message's header, so that an update over the
 * limit is refused with its own code rather than as an oversized message.
 */
export const MESSAGE_HEADROOM_BYTES = 64 * 1024

const MESSAGE_SYNC = 0
const MESSAGE_AWARENESS = 1
const MESSAGE_AUTH = 2
const MESSAGE_QUERY_AWARENESS = 3

const SYNC_STEP_1 = 0
const SYNC_STEP_2 = 1
const SYNC_UPDATE = 2

export type PeerMessage =
  /** The peer's state vector: answer with the updates it misses. */
  | { type: 'sync-step-1'; stateVector: Uint8Array }
  /** The updates the server misses, in answer to the server's step 1. */
  | { type: 'sync-step-2'; update: Uint8Array }
  | { type: 'update'; update: Uint8Array }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'query-awareness' }
  /** Auth messages only flow from servers; one from a client is ignored. */
  | { type: 'auth' }

/** Decodes one message from a client. */
export function decodePeerMessage(bytes: Uint8Array): PeerMessage {
  try {
    const decoder = decoding.createDecoder(bytes)
    const type = decoding.readVarUint(decoder)
    switch (type) {
      case MESSAGE_SYNC: {
        const step = decoding.readVarUint(decoder)
        const payload = decoding.readVarUint8Array(decoder)
        if (step === SYNC_STEP_1) return { type: 'sync-step-1', stateVector: payload }
        if (step === SYNC_STEP_2) return { type: 'sync-step-2', update: payload }
        if (step === SYNC_UPDATE) return { type: 'update', update: payload }
        throw malformed(`unknown sync message type ${step}`)
      }
      case MESSAGE_AWARENESS:
        return { type: 'awareness', update: decoding.readVarUint8Array(decoder) }
      case MESSAGE_AUTH:
        return { type: 'auth' }
      case MESSAGE_QUERY_AWARENESS:
        return { type: 'query-awareness' }
      default:
        throw malformed(`unknown message type ${type}`)
    }
  } catch (error) {
    if (error instanceof SwitchboardError) throw error
    throw malformed('truncated message')
  }
}

/** One awareness entry: the client it describes and whether it removes that client's state. */
export interface AwarenessEntry {
  clientId: number
  removed: boolean
}

/**
 * The entries of an awareness update, checked down to the JSON of each state, so that the
 * update can then be applied without a parse error halfway.
 */
export function decodeAwarenessEntries(update: Uint8Array): AwarenessEntry[] {
  try {
    const decoder = decoding.createDecoder(update)
    const count = decoding.readVarUint(decoder)
    const entries: AwarenessEntry[] = []
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder)
      decoding.readVarUint(decoder) // clock
      const state = JSON.parse(decoding.readVarString(decoder)) as unknown
      entries.push({ clientId, removed: state === null })
    }
    return entries
  } catch {
    throw malformed('malformed awareness update')
  }
}

export function encodeSyncStep1(stateVector: Uint8Array): Uint8Array {
  return encodeSync(SYNC_STEP_1, stateVector)
}

export function encodeSyncStep2(update: Uint8Array): Uint8Array {
  return encodeSync(SYNC_STEP_2, update)
}

export function encodeUpdate(update: Uint8Array): Uint8Array {
  return encodeSync(SYNC_UPDATE, update)
}

export function encodeAwareness(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

function encodeSync(step: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_SYNC)
  encoding.writeVarUint(encoder, step)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

function malformed(detail: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.InvalidUpdate, `malformed y-protocols message: ${detail}`)
}
