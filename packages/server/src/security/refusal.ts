/**
 * Refusals written before a WebSocket upgrade, on the raw socket: a plain HTTP response with
 * the same JSON error body as the HTTP routes, so a client can tell why it was turned away.
 */
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { errorBody, httpStatus } from '../errors.js'

export function refuseUpgrade(
  socket: Duplex,
  error: unknown,
  headers: Record<string, string | number> = {},
): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const body = JSON.stringify({ error: errorBody(error) })
  const status = httpStatus(errorBody(error).code)
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ]
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`)
}
