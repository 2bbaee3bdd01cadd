/**
 * Routes client messages to functions by their `action`, as API Gateway routes by its route
 * selection expression: the route named after the action, else `$default`, else the built-in
 * `unknown_action`. `$connect` runs before a WebSocket is accepted and may refuse it or attach
 * claims; `$disconnect` runs, best effort, after it closed.
 */
import type { IncomingMessage } from 'node:http'
import { CloseCode, ErrorCode } from '@switchboard/protocol'
import type { Logger } from 'pino'
import type { FunctionsOptions } from '../config/defaults.js'
import type { Connection, ConnectionIdentity } from '../connection/connection.js'
import type { ClusterConnections } from '../connection/cluster.js'
import { SwitchboardError } from '../errors.js'
import type { Hub } from '../hub/hub.js'
import type { KeyValueStore } from '../ports/store.js'
import { callHttpTarget } from './http-target.js'
import type { UserModules } from './modules.js'
import type {
  ConnectResult,
  FunctionContext,
  FunctionEvent,
  FunctionEventType,
  FunctionHandler,
} from './types.js'

/** Headers never passed to `$connect`: they carry credentials. */
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'sec-websocket-protocol'])
/** Prefix of function keys in the shared key-value store. */
const KV_PREFIX = 'fn:'

export interface FunctionRouterDependencies {
  options: FunctionsOptions
  modules: UserModules | undefined
  hub: Hub
  connections: ClusterConnections
  store: KeyValueStore
  logger: Logger
  /** Counts each call by route and outcome (`ok`, `failed`, `timeout`). */
  count(route: string, outcome: string): void
}

/** Who an event is about: an accepted connection, or one `$connect` is deciding on. */
interface Caller {
  id: string
  connectedAt: number
  address: string
  identity: ConnectionIdentity
  claims: Record<string, unknown>
}

export class FunctionRouter {
  constructor(private readonly deps: FunctionRouterDependencies) {}

  /** The route a message with this action goes to, if any function takes it. */
  routeFor(action: string): string | undefined {
    if (this.has(action) && !action.startsWith('$')) return action
    return this.has('$default') ? '$default' : undefined
  }

  has(route: string): boolean {
    return (
      this.deps.modules?.get(route) !== undefined || Object.hasOwn(this.deps.options.routes, route)
    )
  }

  /** Runs a MESSAGE route for a connection's request; resolves with the function's result. */
  message(connection: Connection, route: string, body: Record<string, unknown>): Promise<unknown> {
    const event = this.event(callerOf(connection), route, 'MESSAGE')
    event.body = body
    return this.invoke(route, event, connection)
  }

  /**
   * Runs `$connect`, if there is one, for a WebSocket about to be accepted. Resolves with the
   * claims to attach, or rejects with a `SwitchboardError` carrying the close code to refuse with.
   */
  async connect(
    id: string,
    identity: ConnectionIdentity,
    request: IncomingMessage,
    url: URL,
  ): Promise<{ claims: Record<string, unknown> } | { refuse: number; message: string }> {
    if (!this.has('$connect')) return { claims: {} }
    const caller: Caller = {
      id,
      connectedAt: Date.now(),
      address: request.socket.remoteAddress ?? 'unknown',
      identity,
      claims: {},
    }
    const event = this.event(caller, '$connect', 'CONNECT')
    event.headers = publicHeaders(request)
    event.queryStringParameters = Object.fromEntries(
      [...url.searchParams].filter(([name]) => name !== 'token'),
    )

    const result = (await this.invoke('$connect', event, undefined)) as ConnectResult | undefined
    if (result?.reject !== undefined) {
      const code = result.reject.code
      const valid = Number.isInteger(code) && code! >= 4000 && code! <= 4999
      return {
        refuse: valid ? code! : CloseCode.Unauthorized,
        message: result.reject.message ?? '$connect refused the connection',
      }
    }
    const claims = result?.claims
    return { claims: typeof claims === 'object' && claims !== null ? claims : {} }
  }

  /** Runs `$disconnect`, if there is one, without waiting; failures are only logged. */
  disconnected(connection: Connection): void {
    if (!this.has('$disconnect')) return
    const event = this.event(callerOf(connection), '$disconnect', 'DISCONNECT')
    this.invoke('$disconnect', event, undefined).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, connection: connection.id }, '$disconnect failed')
    })
  }

  private event(caller: Caller, route: string, eventType: FunctionEventType): FunctionEvent {
    return {
      requestContext: {
        routeKey: route,
        eventType,
        connectionId: caller.id,
        connectedAt: caller.connectedAt,
        requestTimeEpoch: Date.now(),
        identity: { sourceIp: caller.address },
      },
      user: { id: caller.identity.user, info: caller.identity.info, claims: caller.claims },
    }
  }

  private async invoke(
    route: string,
    event: FunctionEvent,
    connection: Connection | undefined,
  ): Promise<unknown> {
    const target = this.deps.options.routes[route]
    const timeoutMs = target?.timeoutMs ?? this.deps.options.timeoutMs
    try {
      const result =
        target !== undefined && Object.hasOwn(this.deps.options.routes, route)
          ? await callHttpTarget(
              { url: target.url, timeoutMs },
              this.deps.options.signingSecret!,
              event,
            )
          : await withTimeout(
              this.run(this.deps.modules!.get(route)!, event, connection),
              timeoutMs,
              route,
            )
      this.deps.count(route, 'ok')
      return result
    } catch (error) {
      if (error instanceof SwitchboardError) {
        this.deps.count(route, error.code === ErrorCode.FunctionTimeout ? 'timeout' : 'failed')
        throw error
      }
      this.deps.count(route, 'failed')
      this.deps.logger.warn({ err: error, route }, 'function threw')
      throw new SwitchboardError(ErrorCode.FunctionFailed, `function ${route} failed`)
    }
  }

  private async run(
    handler: FunctionHandler,
    event: FunctionEvent,
    connection: Connection | undefined,
  ): Promise<unknown> {
    return handler(event, this.context(event.requestContext.connectionId, connection))
  }

  private context(connectionId: string, caller: Connection | undefined): FunctionContext {
    const { hub, connections, store } = this.deps
    const callerOrThrow = () => {
      if (caller === undefined || caller.closed) {
        throw new SwitchboardError(ErrorCode.BadRequest, 'no open caller connection for this event')
      }
      return caller
    }
    return {
      connectionId,
      publish: (channel, data, options) =>
        hub.publish('server', {
          channel,
          event: options?.event,
          data: JSON.stringify(data),
          value: data,
          idempotencyKey: options?.idempotencyKey,
        }),
      send: (id, data) => connections.send(id, JSON.stringify(data)),
      sendToUser: (user, data) => connections.sendToUser(user, JSON.stringify(data)),
      subscribe: async (channel) => {
        let subscribed: unknown
        await hub.subscribe(callerOrThrow(), channel, undefined, (r) => (subscribed = r), true)
        return subscribed as Awaited<ReturnType<FunctionContext['subscribe']>>
      },
      unsubscribe: (channel) => hub.unsubscribe(callerOrThrow(), channel),
      close: (id, code = CloseCode.ForceDisconnect) =>
        connections.close(id, code, 'closed by a function'),
      kv: {
        get: (key) => store.get(KV_PREFIX + key),
        set: (key, value) => store.set(KV_PREFIX + key, value),
        delete: (key) => store.delete(KV_PREFIX + key),
      },
    }
  }
}

function callerOf(connection: Connection): Caller {
  return {
    id: connection.id,
    connectedAt: connection.connectedAt,
    address: connection.address,
    identity: connection.identity,
    claims: connection.claims,
  }
}

function publicHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (SECRET_HEADERS.has(name) || value === undefined) continue
    headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number, route: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SwitchboardError(
            ErrorCode.FunctionTimeout,
            `function ${route} did not finish within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    )
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}
