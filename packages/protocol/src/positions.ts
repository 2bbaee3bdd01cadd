/**
 * The SSE `id:` field: one opaque token holding the position of every channel of a stream,
 * so that the browser's standard `Last-Event-ID` reconnect resumes all of them.
 *
 * Format (opaque to clients, documented for debugging): for each channel of the stream, in
 * the order of the stream's `channel` parameters, `<offset>.<epoch>`, joined by `,`; a channel
 * without a known position is empty. Epochs never contain `,` or `.`.
 */
import type { StreamPosition } from './frames.js'

const EPOCH_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

export function encodePositions(positions: ReadonlyArray<StreamPosition | undefined>): string {
  let out = ''
  for (let i = 0; i < positions.length; i++) {
    const position = positions[i]
    if (i > 0) out += ','
    if (position !== undefined) out += `${position.offset}.${position.epoch}`
  }
  return out
}

/**
 * Decodes an SSE last event id for a stream of `channelCount` channels. Returns undefined when
 * the token is malformed or was made for a different number of channels.
 */
export function decodePositions(
  token: string,
  channelCount: number,
): Array<StreamPosition | undefined> | undefined {
  const parts = token.split(',')
  if (parts.length !== channelCount) return undefined

  const positions: Array<StreamPosition | undefined> = []
  for (const part of parts) {
    if (part === '') {
      positions.push(undefined)
      continue
    }
    const dot = part.indexOf('.')
    const offset = Number(part.slice(0, dot))
    const epoch = part.slice(dot + 1)
    if (dot < 1 || !Number.isSafeInteger(offset) || offset < 0 || !EPOCH_PATTERN.test(epoch)) {
      return undefined
    }
    positions.push({ offset, epoch })
  }
  return positions
}
