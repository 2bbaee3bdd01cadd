/**
 * CORS for the routes a browser page may call from another origin: the HTTP API, `/sse` and
 * `/client/request`. Allowed origins are echoed (never `*`, so caches keep one answer per
 * origin, hence `Vary: Origin`); preflights are answered here and never reach a route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { OriginPolicy } from './origins.js'

const ALLOWED_METHODS = 'GET, POST, OPTIONS'
const ALLOWED_HEADERS = 'Authorization, Content-Type, Last-Event-ID'
const PREFLIGHT_MAX_AGE_S = '600'

/**
 * Adds the CORS headers for an allowed origin. Returns true when the request was a preflight
 * and has been answered (204).
 */
export function applyCors(
  policy: OriginPolicy,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  response.setHeader('Vary', 'Origin')
  const origin = request.headers.origin
  if (origin === undefined || !policy.allows(origin)) return false

  response.setHeader('Access-Control-Allow-Origin', origin)
  if (request.method !== 'OPTIONS') return false

  response.writeHead(204, {
    'Access-Control-Allow-Methods': ALLOWED_METHODS,
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_S,
  })
  response.end()
  return true
}
