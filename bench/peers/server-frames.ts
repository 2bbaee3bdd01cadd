/**
 * Server-to-client WebSocket text frames (RFC 6455 §5.2): FIN and opcode, then the payload length
 * in 7, 7+16 or 7+64 bits. Servers never mask, so the header is all there is to add.
 */

/** One complete unmasked text frame holding `text` as UTF-8. */
export function serverTextFrame(text: string): Buffer {
  const payloadBytes = Buffer.byteLength(text)
  const headerBytes = payloadBytes < 126 ? 2 : payloadBytes < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerBytes + payloadBytes)
  frame[0] = 0x81 // FIN, text
  if (payloadBytes < 126) {
    frame[1] = payloadBytes
  } else if (payloadBytes < 65_536) {
    frame[1] = 126
    frame.writeUInt16BE(payloadBytes, 2)
  } else {
    frame[1] = 127
    frame.writeBigUInt64BE(BigInt(payloadBytes), 2)
  }
  frame.write(text, headerBytes)
  return frame
}
