/**
 * The HTTP API for servers and serverless functions (Bearer API key), and the operational
 * endpoints `/healthz`, `/readyz` and `/metrics`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, publishProblem, type PublishResult } from '@switchboard/protocol'
import type { Logger } from 'pino'
import type { Authenticator } from '../auth/authenticator.js'
import type { Limits } from '../config/defaults.js'
import { SwitchboardError, errorBody } from '../errors.js'
import type { Hub, PublishInput } from '../hub/hub.js'
import { KeyedBuckets } from '../limits/keyed-buckets.js'
import type { Metrics } from '../metrics.js'
import type { ManagementApi } from './management-api.js'
import { decodePathSegment, readJsonBody, requireMethod, sendError, sendJson } from './http-util.js'

export interface HttpApiDependencies {
  hub: Hub
  authenticator: Authenticator
  metrics: Metrics
  limits: Limits
  logger: Logger
  management: ManagementApi
  /** Whether the node can serve (storage and broker ready, not shutting down). */
  ready(): boolean
}

const CHANNEL_ROUTE = /^\/v1\/channels\/(.+)\/(history|presence)$/

const PUBLISH_ROUTES = new Set(['/v1/publish', '/v1/publish/batch'])

export class HttpApi {
  /** Requests per second per API key (`limits.apiRequestsPerSecond`). */
  private readonly keyRates: KeyedBuckets

  constructor(private readonly deps: HttpApiDependencies) {
    this.keyRates = new KeyedBuckets(deps.limits.apiRequestsPerSecond, deps.limits.apiRequestBurst)
  }

  /** Serves the request if its path is one of the API's; returns false otherwise. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): boolean {
    const path = url.pathname
    if (path === '/healthz') {
      sendJson(response, 200, { status: 'ok' })
      return true
    }
    if (path === '/readyz') {
      const ready = this.deps.ready()
      sendJson(response, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready' })
      return true
    }
    if (path === '/metrics') {
      this.serveMetrics(response)
      return true
    }
    if (!path.startsWith('/v1/')) return false

    this.serveApi(request, response, url).catch((error: unknown) => {
      if (!(error instanceof SwitchboardError)) {
        this.deps.logger.error({ err: error, path }, 'http api request failed')
      }
      this.deps.metrics.errors.inc({ code: errorBody(error).code })
      if (error instanceof RateLimitedError) response.setHeader('Retry-After', error.retryAfterS)
      sendError(response, error)
    })
    return true
  }

  private async serveApi(request: IncomingMessage, response: ServerResponse, url: URL) {
    const scope = PUBLISH_ROUTES.has(url.pathname) ? 'publish' : 'admin'
    const key = await this.deps.authenticator.apiKey(request, scope)
    const waitMs = this.keyRates.take(key.name)
    if (waitMs > 0) {
      throw new RateLimitedError(
        `API key ${key.name} is over limits.apiRequestsPerSecond (${this.deps.limits.apiRequestsPerSecond})`,
        waitMs,
      )
    }

    const path = url.pathname
    const method = request.method ?? 'GET'
    if (path === '/v1/publish') {
      requireMethod(method, 'POST')
      const body = await readJsonBody(
        request,
        this.deps.limits.maxHttpBodyBytes,
        this.deps.limits.maxJsonDepth,
      )
      sendJson(response, 200, await this.publish(body))
      return
    }
    if (path === '/v1/publish/batch') {
      requireMethod(method, 'POST')
      const body = await readJsonBody(
        request,
        this.deps.limits.maxHttpBodyBytes,
        this.deps.limits.maxJsonDepth,
      )
      sendJson(response, 200, await this.publishBatch(body))
      return
    }
    if (path === '/v1/channels') {
      requireMethod(method, 'GET')
      sendJson(response, 200, { channels: this.deps.hub.channelList() })
      return
    }

    if (await this.deps.management.handle(request, response, path)) return
    const match = CHANNEL_ROUTE.exec(path)
    if (match === null) throw new SwitchboardError(ErrorCode.NotFound, `no route ${path}`)
    requireMethod(method, 'GET')
    const channel = decodePathSegment(match[1]!, 'channel', ErrorCode.InvalidChannel)
    if (match[2] === 'presence') {
      sendJson(response, 200, { members: await this.deps.hub.presence('server', channel) })
      return
    }
    sendJson(response, 200, await this.history(channel, url.searchParams))
  }

  private async publish(body: unknown): Promise<PublishResult> {
    const input = publishInput(body)
    const started = performance.now()
    const result = await this.deps.hub.publish('server', input)
    this.deps.metrics.publishLatency.observe((performance.now() - started) / 1000)
    if (result.duplicate !== true) this.deps.metrics.publications.inc({ source: 'api' })
    return result
  }

  /**
   * Publishes each item in order. Items are independent: one refused item gets its error in
   * its result slot and does not stop the others.
   */
  private async publishBatch(body: unknown): Promise<{ results: unknown[] }> {
    const items = (body as { publications?: unknown } | null)?.publications
    if (!Array.isArray(items)) {
      throw new SwitchboardError(ErrorCode.BadRequest, 'body must be {"publications": [...]}')
    }
    const max = this.deps.limits.maxBatchSize
    if (items.length > max) {
      throw new SwitchboardError(
        ErrorCode.LimitExceeded,
        `batch holds ${items.length} publications, the limit (limits.maxBatchSize) is ${max}`,
      )
    }

    const results: unknown[] = []
    for (const item of items) {
      try {
        results.push(await this.publish(item))
      } catch (error) {
        if (!(error instanceof SwitchboardError)) throw error
        this.deps.metrics.errors.inc({ code: error.code })
        results.push({ error: error.toBody() })
      }
    }
    return { results }
  }

  private async history(channel: string, query: URLSearchParams) {
    const since = query.get('since')
    const epoch = query.get('epoch')
    const limit = query.get('limit')
    const position =
      since === null ? undefined : { offset: parseCount(since, 'since'), epoch: epoch ?? '' }
    if (position !== undefined && position.offset > 0 && epoch === null) {
      throw new SwitchboardError(
        ErrorCode.BadRequest,
        'since needs the epoch it belongs to: add &epoch=',
      )
    }
    const result = await this.deps.hub.history(
      'server',
      channel,
      position,
      limit === null ? undefined : parseCount(limit, 'limit'),
    )
    return {
      epoch: result.epoch,
      offset: result.offset,
      publications: result.publications.map((p) => ({
        offset: p.offset,
        event: p.event,
        data: JSON.parse(p.data) as unknown,
      })),
    }
  }

  private serveMetrics(response: ServerResponse): void {
    const registry = this.deps.metrics.registry
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'Content-Type': registry.contentType })
        response.end(text)
      },
      (error: unknown) => sendError(response, error),
    )
  }
}

/** `rate_limited`, with the seconds to wait for the `Retry-After` header. */
class RateLimitedError extends SwitchboardError {
  readonly retryAfterS: number

  constructor(message: string, waitMs: number) {
    super(ErrorCode.RateLimited, message)
    this.retryAfterS = Math.max(1, Math.ceil(waitMs / 1000))
  }
}

function publishInput(body: unknown): PublishInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SwitchboardError(ErrorCode.BadRequest, 'body must be a JSON object {channel, data}')
  }
  const problem = publishProblem(body as Record<string, unknown>)
  if (problem !== undefined) throw new SwitchboardError(ErrorCode.BadRequest, problem)
  const fields = body as { channel: string; event?: string; data: unknown; idempotencyKey?: string }
  return {
    channel: fields.channel,
    event: fields.event,
    data: JSON.stringify(fields.data),
    value: fields.data,
    idempotencyKey: fields.idempotencyKey,
  }
}

function parseCount(text: string, field: string): number {
  const value = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new SwitchboardError(ErrorCode.BadRequest, `${field} must be a non-negative integer`)
  }
  return value
}
