/** Small helpers shared by the HTTP routes: JSON replies, errors, bounded body reading. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { DEFAULT_MAX_JSON_DEPTH, ErrorCode, jsonDepthProblem } from '@switchboard/protocol'
import { SwitchboardError, errorBody, httpStatus } from '../errors.js'

/** Refuses invalid UTF-8 instead of replacing it with U+FFFD, which would alter the data. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

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
 * refused as soon as it is known; the rest of the upload is discarded, not buffered. Bodies
 * that are not UTF-8, or nest deeper than `maxDepth`, are refused before they are parsed.
 */
export async function readJsonBody(
  request: IncomingMessage,
  maxBytes: number,
  maxDepth = DEFAULT_MAX_JSON_DEPTH,
): Promise<unknown> {
  const text = decodeUtf8(await readBody(request, maxBytes), ErrorCode.InvalidJson)
  const depth = jsonDepthProblem(text, maxDepth)
  if (depth !== undefined) throw new SwitchboardError(ErrorCode.JsonTooDeep, depth)
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new SwitchboardError(ErrorCode.InvalidJson, 'request body is not valid JSON')
  }
}

/** Reads a UTF-8 text body of at most `maxBytes`, refusing larger ones like `readJsonBody`. */
export async function readTextBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  return decodeUtf8(await readBody(request, maxBytes), ErrorCode.BadRequest)
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

/** Refuses a request whose method is not the route's. */
export function requireMethod(method: string, allowed: string): void {
  if (method !== allowed) {
    throw new SwitchboardError(ErrorCode.MethodNotAllowed, `use ${allowed} for this route`)
  }
}

/**
 * A URL-encoded path segment (a channel, a document, a connection id), decoded; `what` names
 * it in the error, `code` is the error's code.
 */
export function decodePathSegment(
  raw: string,
  what: string,
  code: ErrorCode = ErrorCode.BadRequest,
): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new SwitchboardError(code, `${what} in the path is not valid URL encoding`)
  }
}

function decodeUtf8(body: Buffer, code: ErrorCode): string {
  try {
    return strictUtf8.decode(body)
  } catch {
    throw new SwitchboardError(code, 'request body is not valid UTF-8')
  }
}

function tooLarge(size: number, maxBytes: number): SwitchboardError {
  return new SwitchboardError(
    ErrorCode.PayloadTooLarge,
    `request body is ${size} bytes or more, the limit (limits.maxHttpBodyBytes) is ${maxBytes}`,
  )
}
