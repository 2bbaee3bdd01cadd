/**
 * Handling of client requests, whatever the transport: decode, dispatch to the hub, answer
 * `{id, ok: true, ...}` or `{id, error: {code, message}}`. Errors never escape: a bad request
 * gets its error reply and the connection keeps working.
 */
import {
  CloseCode,
  ErrorCode,
  decodeRequest,
  type BuiltinRequest,
  type CustomRequest,
  type AuthResult,
  type ErrorBody,
  type RequestId,
} from '@switchboard/protocol'
import type { Logger } from 'pino'
import type { Authenticator } from '../auth/authenticator.js'
import type { DocumentRequests } from '../documents/requests.js'
import type { FunctionRouter } from '../functions/router.js'
import { SwitchboardError, errorBody } from '../errors.js'
import type { Hub } from '../hub/hub.js'
import type { ConnectionPolicy } from '../limits/connection-policy.js'
import type { Metrics } from '../metrics.js'
import type { Connection } from './connection.js'
import type { ConnectionRegistry } from './registry.js'

export interface RequestHandlerDependencies {
  hub: Hub
  metrics: Metrics
  logger: Logger
  authenticator: Authenticator
  policy: ConnectionPolicy
  registry: ConnectionRegistry
  functions: FunctionRouter
  /** Documents opened on connections (`doc.open`, `doc.message`, `doc.close`). */
  documents: DocumentRequests
  maxJsonDepth: number
}

const BUILTIN_ACTIONS = [
  'subscribe',
  'unsubscribe',
  'publish',
  'presence',
  'history',
  'ping',
  'connect',
  'refresh',
  'doc.open',
  'doc.message',
  'doc.close',
].join(', ')

/** Sends one reply object to the client. */
export type Reply = (reply: Record<string, unknown>) => void

export class RequestHandler {
  private readonly hub: Hub
  private readonly metrics: Metrics
  private readonly logger: Logger

  constructor(private readonly deps: RequestHandlerDependencies) {
    this.hub = deps.hub
    this.metrics = deps.metrics
    this.logger = deps.logger
  }

  /**
   * Handles one text frame from a client of a long-lived connection. Over its plan's message
   * or byte rate, the frame is answered `rate_limited` and not acted on.
   */
  handleText(connection: Connection, text: string, reply: Reply): void {
    const allowed = this.deps.policy.allowMessage(connection, text.length)
    const decoded = decodeRequest(text, this.deps.maxJsonDepth)
    if (!decoded.ok) {
      this.replyError(reply, decoded.id, decoded.error)
      return
    }
    if (!allowed) {
      const plan = connection.identity.plan
      this.replyError(reply, decoded.request.id, {
        code: ErrorCode.RateLimited,
        message: `over the message rate of plan ${plan.name}: ${plan.messagesPerSecond} messages and ${plan.bytesPerSecond} bytes per second`,
      })
      return
    }
    if (decoded.request.action !== 'ping') connection.lastMessageAt = Date.now()
    this.dispatchRequest(connection, decoded.request, reply)
  }

  /** Handles one validated request; the reply (or error reply) goes to `reply`. */
  dispatchRequest(
    connection: Connection,
    request: BuiltinRequest | CustomRequest,
    reply: Reply,
  ): void {
    this.dispatch(connection, request, reply).catch((error: unknown) => {
      if (!(error instanceof SwitchboardError)) {
        this.logger.error(
          { err: error, action: request.action, connection: connection.id },
          'request failed',
        )
      }
      this.replyError(reply, request.id, errorBody(error))
    })
  }

  /** The connection closed: what it held open beyond its subscriptions is released. */
  disconnected(connection: Connection): void {
    this.deps.documents.disconnected(connection)
  }

  replyError(reply: Reply, id: RequestId | undefined, error: ErrorBody): void {
    this.metrics.errors.inc({ code: error.code })
    reply(id === undefined ? { error } : { id, error })
  }

  private async dispatch(
    connection: Connection,
    request: BuiltinRequest | CustomRequest,
    reply: Reply,
  ): Promise<void> {
    const r = request as BuiltinRequest
    const ok = (result: object = {}) =>
      reply(r.id === undefined ? { ok: true, ...result } : { id: r.id, ok: true, ...result })

    switch (r.action) {
      case 'ping':
        ok()
        return
      case 'connect':
        ok(await this.connect(connection, r.token))
        return
      case 'refresh':
        ok(await this.refresh(connection, r.token))
        return
      case 'subscribe':
        await this.hub.subscribe(connection, r.channel, r.since, ok)
        return
      case 'unsubscribe':
        await this.hub.unsubscribe(connection, r.channel)
        ok()
        return
      case 'publish': {
        const started = performance.now()
        const result = await this.hub.publish(connection, {
          channel: r.channel,
          event: r.event,
          data: JSON.stringify(r.data),
          value: r.data,
          idempotencyKey: r.idempotencyKey,
        })
        this.metrics.publishLatency.observe((performance.now() - started) / 1000)
        if (result.duplicate !== true)
          this.metrics.publications.inc({ source: connection.transport })
        ok(result)
        return
      }
      case 'presence':
        ok({ members: await this.hub.presence(connection, r.channel) })
        return
      case 'doc.open': {
        const opened = this.deps.documents.open(connection, r.doc)
        // The reply goes first: the document's sync pushes follow it.
        ok(opened.result)
        opened.start()
        return
      }
      case 'doc.message':
        await this.deps.documents.message(connection, r.doc, r.data, r.part, r.parts)
        ok()
        return
      case 'doc.close':
        this.deps.documents.close(connection, r.doc)
        ok()
        return
      case 'history': {
        const history = await this.hub.history(connection, r.channel, r.since, r.limit)
        ok({
          epoch: history.epoch,
          offset: history.offset,
          publications: history.publications.map((p) => ({
            offset: p.offset,
            event: p.event,
            data: JSON.parse(p.data) as unknown,
          })),
        })
        return
      }
      default: {
        const route = this.deps.functions.routeFor(request.action)
        if (route === undefined) break
        if (connection.pending) {
          throw new SwitchboardError(
            ErrorCode.Unauthorized,
            'send {"action":"connect","token":"..."} before any other request',
          )
        }
        const body: Record<string, unknown> = { ...request }
        delete body.id
        const result = await this.deps.functions.message(connection, route, body)
        ok(result === undefined ? {} : { result })
        return
      }
    }
    const unknown = `unknown action "${request.action}"`
    throw new SwitchboardError(
      ErrorCode.UnknownAction,
      `${unknown}; built-in actions are ${BUILTIN_ACTIONS}, and no function takes it`,
    )
  }

  /** Authenticates a connection that presented no token in its handshake. */
  private async connect(connection: Connection, token: string): Promise<AuthResult> {
    if (connection.transport !== 'websocket') {
      throw new SwitchboardError(ErrorCode.BadRequest, 'connect is for WebSocket connections')
    }
    if (!connection.pending && !connection.anonymous) {
      throw new SwitchboardError(ErrorCode.BadRequest, 'already authenticated; use refresh')
    }
    if (connection.subscriptions.size > 0 || this.deps.documents.openCount(connection) > 0) {
      throw new SwitchboardError(
        ErrorCode.BadRequest,
        'connect must come before subscribe and doc.open',
      )
    }

    const identity = await this.deps.authenticator.fromToken(token, connection.address)
    if (!(await this.deps.policy.acquire(identity, connection.id))) {
      connection.disconnect(
        CloseCode.TooManyConnections,
        'the plan allows no more connections for this user',
      )
      throw new SwitchboardError(
        ErrorCode.PlanLimitExceeded,
        `plan ${identity.plan.name} allows ${identity.plan.maxConnectionsPerUser} connections per user`,
      )
    }
    const previousUser = connection.identity.user
    connection.identity = identity
    connection.pending = false
    this.deps.registry.rekey(connection, previousUser)
    return authResult(identity.user!, identity.expiresAt)
  }

  /**
   * Replaces the token of a live connection before it expires. The user must stay the same;
   * subscriptions stay, and the new token's grants apply to every later request.
   */
  private async refresh(connection: Connection, token: string): Promise<AuthResult> {
    const user = connection.identity.user
    if (connection.pending || user === undefined) {
      throw new SwitchboardError(ErrorCode.BadRequest, 'only an authenticated connection refreshes')
    }
    const identity = await this.deps.authenticator.fromToken(token, connection.address)
    if (identity.user !== user) {
      throw new SwitchboardError(ErrorCode.Forbidden, 'refresh must keep the same user (sub)')
    }
    // The connection keeps its slot: a new plan's connection limit applies to new connections.
    connection.identity = identity

    // A token with narrower grants ends the subscriptions it no longer allows.
    const revoked = [...connection.subscriptions.keys()].filter(
      (channel) => !this.hub.allows(connection, channel, 'subscribe'),
    )
    for (const channel of revoked) await this.hub.unsubscribe(connection, channel)
    this.deps.documents.reauthorize(connection)
    const result: AuthResult = authResult(user, identity.expiresAt)
    if (revoked.length > 0) result.revoked = revoked
    return result
  }
}

function authResult(user: string, expiresAt: number | undefined): AuthResult {
  return expiresAt === undefined ? { user } : { user, expiresAt }
}
