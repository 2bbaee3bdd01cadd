/**
 * Server-to-client WebSocket frames (RFC 6455 §5.2), built once per message so that the same
 * bytes can be written to every subscriber. Server frames are never masked.
 */

const OPCODE_TEXT = 0x1
const OPCODE_BINARY = 0x2

/** Encodes `payload` as one final, unmasked text frame in a single buffer. */
export function encodeTextFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload)
  const frame = allocateFrame(OPCODE_TEXT, length)
  frame.write(payload, frame.length - length, 'utf8')
  return frame
}

/** Encodes `payload` as one final, unmasked binary frame in a single buffer. */
export function encodeBinaryFrame(payload: Uint8Array): Buffer {
  const frame = allocateFrame(OPCODE_BINARY, payload.length)
  frame.set(payload, frame.length - payload.length)
  return frame
}

/** A frame buffer with its header written and room for `length` payload bytes at the end. */
function allocateFrame(opcode: number, length: number): Buffer {
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerLength + length)

  frame[0] = 0x80 | opcode // FIN + opcode
  if (length < 126) {
    frame[1] = length
  } else if (length < 65_536) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
    frame.writeUInt32BE(length >>> 0, 6)
  }
  return frame
}
