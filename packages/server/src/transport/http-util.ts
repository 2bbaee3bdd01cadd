/** Small helpers shared by the HTTP routes: JSON replies, errors, bounded body reading. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode } from '@switchboard/protocol'
import { SwitchboardError, errorBody, httpStatus } from '../errors.js'

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  })
  response.end(text)
}

export function sendError(response: ServerResponse, error: unknown): void {
  const body = errorBody(error)
  if (response.headersSent) {
    response.destroy()
    return
  }
  sendJson(response, httpStatus(body.code), { error: body })
}

/**
 * Reads a JSON body of at most `maxBytes`. A declared or actual size above the limit is
 * refused as soon as it is known; the rest of the upload is discarded, not buffered.
 */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readBody(request, maxBytes)
  try {
    return JSON.parse(body.toString('utf8')) as unknown
  } catch {
    throw new SwitchboardError(ErrorCode.InvalidJson, 'request body is not valid JSON')
  }
}

/** Reads a body of at most `maxBytes` as bytes, with the same refusal rules as JSON bodies. */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0)
    if (declared > maxBytes) {
      request.resume()
      reject(tooLarge(declared, maxBytes))
      return
    }

    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBytes) {
        chunks.push(chunk)
        return
      }
      request.off('data', onData)
      request.resume()
      reject(tooLarge(size, maxBytes))
    }
    request.on('data', onData)
    request.on('error', reject)
    request.on('end', () => {
      if (size <= maxBytes) resolve(Buffer.concat(chunks, size))
    })
  })
}

function tooLarge(size: number, maxBytes: number): SwitchboardError {
  return new SwitchboardError(
    ErrorCode.PayloadTooLarge,
    `request body is ${size} bytes or more, the limit (limits.maxHttpBodyBytes) is ${maxBytes}`,
  )
}
