/**
 * Client-to-server WebSocket frames (RFC 6455 §5.2). A client must mask every frame; the mask key
 * here is always zero, which is legal and leaves the payload bytes unchanged, so no XOR pass is
 * needed. Servers cannot tell a constant key from a random one.
 */

export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const

const MASK_KEY_BYTES = 4
const MASK_BIT = 0x80
const FIN_BIT = 0x80

function headerBytes(payloadBytes: number): number {
  if (payloadBytes < 126) return 2
  return payloadBytes < 65_536 ? 4 : 10
}

function writeHeader(frame: Buffer, opcode: number, payloadBytes: number): number {
  frame[0] = FIN_BIT | opcode
  if (payloadBytes < 126) {
    frame[1] = MASK_BIT | payloadBytes
  } else if (payloadBytes < 65_536) {
    frame[1] = MASK_BIT | 126
    frame.writeUInt16BE(payloadBytes, 2)
  } else {
    frame[1] = MASK_BIT | 127
    frame.writeBigUInt64BE(BigInt(payloadBytes), 2)
  }
  const maskOffset = headerBytes(payloadBytes)
  frame.fill(0, maskOffset, maskOffset + MASK_KEY_BYTES)
  return maskOffset + MASK_KEY_BYTES
}

/** A masked text frame holding `text` encoded as UTF-8. */
export function textFrame(text: string): Buffer {
  const payloadBytes = Buffer.byteLength(text)
  const frame = Buffer.allocUnsafe(headerBytes(payloadBytes) + MASK_KEY_BYTES + payloadBytes)
  const payloadOffset = writeHeader(frame, Opcode.Text, payloadBytes)
  frame.write(text, payloadOffset)
  return frame
}

/** A masked control frame (pong, close) whose payload is `payload[start, end)`. */
export function controlFrame(opcode: number, payload: Buffer, start: number, end: number): Buffer {
  const payloadBytes = end - start
  const frame = Buffer.allocUnsafe(headerBytes(payloadBytes) + MASK_KEY_BYTES + payloadBytes)
  const payloadOffset = writeHeader(frame, opcode, payloadBytes)
  payload.copy(frame, payloadOffset, start, end)
  return frame
}
