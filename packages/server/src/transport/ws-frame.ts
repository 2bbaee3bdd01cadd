/**
 * Server-to-client WebSocket text frames (RFC 6455 §5.2), built once per message so that the
 * same bytes can be written to every subscriber. Server frames are never masked.
 */

/** Encodes `payload` as one final, unmasked text frame in a single buffer. */
export function encodeTextFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload)
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerLength + length)

  frame[0] = 0x81 // FIN + opcode 1 (text)
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
  frame.write(payload, headerLength, 'utf8')
  return frame
}
