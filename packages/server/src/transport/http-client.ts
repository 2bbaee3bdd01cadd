/**
 * `POST /client/request`: one client request over plain HTTP, for clients that cannot hold a
 * WebSocket (the SDK's SSE fallback sends its publishes here). The body is a request frame
 * exactly as over WebSocket; the response body is the reply frame. Subscriptions are not
 * available here: they need a stream, which `/sse` provides.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, validateRequest } from '@switchboard/protocol'
import type { Authenticator } from '../auth/authenticator.js'
import type { Limits } from '../config/defaults.js'
import { Connection, type ConnectionIdentity } from '../connection/connection.js'
import type { RequestHandler } from '../connection/requests.js'
import { SwitchboardError, httpStatus } from '../errors.js'
import { KeyedBuckets } from '../limits/keyed-buckets.js'
import type { Plan } from '../limits/plans.js'
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
  sendDirect(): boolean {
    return false
  }
  sendFrame(): boolean {
    return false
  }
  close(): void {}
}

export interface HttpClientDependencies {
  authenticator: Authenticator
  requests: RequestHandler
  limits: Limits
  rates: RequestRates
}

/**
 * The plan's message rate, applied per user (per address for anonymous callers) across
 * requests, since each request is a connection of its own.
 */
export class RequestRates {
  private readonly byPlan = new Map<Plan, KeyedBuckets>()

  take(plan: Plan, caller: string): number {
    let buckets = this.byPlan.get(plan)
    if (buckets === undefined) {
      buckets = new KeyedBuckets(plan.messagesPerSecond, plan.messageBurst)
      this.byPlan.set(plan, buckets)
    }
    return buckets.take(caller)
  }
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
    const caller = identity.user ?? deps.authenticator.addressOf(request)
    if (deps.rates.take(identity.plan, caller) > 0) {
      throw new SwitchboardError(
        ErrorCode.RateLimited,
        `over the message rate of plan ${identity.plan.name}: ${identity.plan.messagesPerSecond} per second`,
      )
    }
    const body = await readJsonBody(request, deps.limits.maxHttpBodyBytes, deps.limits.maxJsonDepth)
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
