/**
 * `POST /client/request`: one client request over plain HTTP, for clients that cannot hold a
 * WebSocket (the SDK's SSE fallback sends its publishes here). The body is a request frame
 * exactly as over WebSocket; the response body is the reply frame. Subscriptions are not
 * available here: they need a stream, which `/sse` provides.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, validateRequest } from '@switchboard/protocol'
import type { Authenticator } from '../auth.js'
import type { Limits } from '../config/defaults.js'
import { Connection, type ConnectionIdentity } from '../connection/connection.js'
import type { RequestHandler } from '../connection/requests.js'
import { SwitchboardError, httpStatus } from '../errors.js'
import { readJsonBody, sendError, sendJson } from './http-util.js'

const STREAM_ACTIONS = new Set(['subscribe', 'unsubscribe'])

/** The caller of one HTTP request: a connection that lives for that request only. */
class RequestConnection extends Connection {
  constructor(identity: ConnectionIdentity) {
    super(randomUUID(), 'http', identity)
  }

  get closed(): boolean {
    return false
  }

  // Never subscribed, so nothing is ever delivered.
  deliver(): void {}
  deliverPresence(): void {}
  close(): void {}
}

export interface HttpClientDependencies {
  authenticator: Authenticator
  requests: RequestHandler
  limits: Limits
}

export async function handleClientRequest(
  deps: HttpClientDependencies,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  try {
    if (request.method !== 'POST') {
      throw new SwitchboardError(ErrorCode.MethodNotAllowed, 'use POST for /client/request')
    }
    const identity = await deps.authenticator.identify(request, url)
    const body = await readJsonBody(request, deps.limits.maxHttpBodyBytes)
    const decoded = validateRequest(body)
    if (!decoded.ok) {
      sendJson(response, httpStatus(decoded.error.code), decoded)
      return
    }
    if (STREAM_ACTIONS.has(decoded.request.action)) {
      throw new SwitchboardError(
        ErrorCode.BadRequest,
        `${decoded.request.action} needs a stream: use /ws or /sse?channel=`,
      )
    }

    const connection = new RequestConnection(identity)
    deps.requests.dispatchRequest(connection, decoded.request, (reply) => {
      const error = reply.error as { code: ErrorCode } | undefined
      sendJson(response, error === undefined ? 200 : httpStatus(error.code), reply)
    })
  } catch (error) {
    sendError(response, error)
  }
}
