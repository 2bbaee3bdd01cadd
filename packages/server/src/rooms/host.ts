/**
 * Rooms on this node: one instance per type and id, created on first use (WebSocket at
 * `/rooms/{type}/{id}`, HTTP at `/rooms/{type}/{id}/...`), evicted from memory after
 * `rooms.idleEvictMs` without connections or events and rebuilt from storage on next use.
 * Alarms live in the room store, so one set before a restart fires after it; one shared timer
 * looks for due alarms and idle rooms.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { CloseCode, ErrorCode, closeReason } from '@switchboard/protocol'
import type { Logger } from 'pino'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Authenticator } from '../auth/authenticator.js'
import type { ServerOptions } from '../config/defaults.js'
import type { ConnectionIdentity } from '../connection/connection.js'
import { SwitchboardError } from '../errors.js'
import type { UserModules } from '../functions/modules.js'
import { TokenBucket } from '../limits/token-bucket.js'
import type { RoomStore } from '../ports/room-store.js'
import { readTextBody, sendError } from '../transport/http-util.js'
import { RoomInstance } from './instance.js'
import { RoomSocket } from './socket.js'
import type { RoomClass, RoomRequest, RoomResponse } from './types.js'

const ROOM_PATH = /^\/rooms\/([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9_.:@=+-]{1,128})(\/.*)?$/
/** How often due alarms and idle rooms are looked for, in ms. */
const SWEEP_INTERVAL_MS = 250
/** Delay before an alarm whose handler failed runs again, in ms. */
const ALARM_RETRY_MS = 1_000

export interface RoomTarget {
  type: string
  id: string
  /** The path after the room's, `/` at least. */
  rest: string
}

export interface RoomHostDependencies {
  classes: UserModules<RoomClass>
  store: RoomStore
  authenticator: Authenticator
  options: Pick<ServerOptions, 'rooms' | 'limits'>
  logger: Logger
}

export class RoomHost {
  private readonly instances = new Map<string, RoomInstance>()
  private readonly alarmsRunning = new Set<string>()
  private readonly wss: WebSocketServer
  private readonly timer: NodeJS.Timeout
  private sweeping = false

  constructor(private readonly deps: RoomHostDependencies) {
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: deps.options.limits.maxFrameBytes,
    })
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS)
    this.timer.unref()
  }

  /** The room a path names, if it names one. */
  static target(pathname: string): RoomTarget | undefined {
    const match = ROOM_PATH.exec(pathname)
    if (match === null) return undefined
    return { type: match[1]!, id: match[2]!, rest: match[3] ?? '/' }
  }

  get size(): number {
    return this.instances.size
  }

  handleUpgrade(
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    url: URL,
    target: RoomTarget,
  ): void {
    this.deps.authenticator.identify(request, url).then(
      (identity) => this.accept(request, socket, head, target, identity),
      () => this.accept(request, socket, head, target, undefined),
    )
  }

  async handleRequest(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    target: RoomTarget,
  ): Promise<void> {
    try {
      const identity = await this.deps.authenticator.identify(request, url)
      const instance = this.instance(target)
      const body = await readTextBody(request, this.deps.options.limits.maxHttpBodyBytes)
      const roomRequest: RoomRequest = {
        method: request.method ?? 'GET',
        path: target.rest,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(
          Object.entries(request.headers)
            .filter(([name]) => name !== 'authorization' && name !== 'cookie')
            .map(([name, value]) => [
              name,
              Array.isArray(value) ? value.join(', ') : (value ?? ''),
            ]),
        ),
        body,
        user: identity.user,
      }
      const onRequest = instance.room.onRequest
      if (onRequest === undefined) {
        throw new SwitchboardError(ErrorCode.NotFound, `room type ${target.type} has no onRequest`)
      }
      const result = await instance.run('onRequest', () =>
        onRequest.call(instance.room, roomRequest, instance.context),
      )
      send(response, result)
    } catch (error) {
      sendError(response, error)
    }
  }

  close(): void {
    clearInterval(this.timer)
    for (const instance of this.instances.values()) {
      for (const connection of instance.connections)
        connection.close(CloseCode.ServerShutdown, closeReason[CloseCode.ServerShutdown])
    }
  }

  private accept(
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    target: RoomTarget,
    identity: ConnectionIdentity | undefined,
  ): void {
    let instance: RoomInstance | undefined
    let refusal: number | undefined
    if (identity === undefined) refusal = CloseCode.Unauthorized
    else {
      try {
        instance = this.instance(target)
      } catch {
        refusal = CloseCode.ProtocolError
      }
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      if (refusal !== undefined || instance === undefined || identity === undefined) {
        ws.close(
          refusal ?? CloseCode.InternalError,
          closeReason[refusal ?? CloseCode.InternalError],
        )
        return
      }
      this.join(instance, ws, identity)
    })
  }

  private join(instance: RoomInstance, ws: WebSocket, identity: ConnectionIdentity): void {
    const connection = new RoomSocket(randomUUID(), identity.user, identity.info, ws)
    const { room, context } = instance
    const plan = identity.plan
    const rate = new TokenBucket(plan.messagesPerSecond, plan.messageBurst)
    instance.connections.add(connection)
    instance
      .run('onConnect', () => room.onConnect?.(connection, context))
      .catch(() => {
        connection.close(CloseCode.InternalError, closeReason[CloseCode.InternalError])
      })
    ws.on('message', (data, isBinary) => {
      if (!rate.take()) {
        connection.send({
          error: {
            code: ErrorCode.RateLimited,
            message: `over the message rate of plan ${plan.name}`,
          },
        })
        return
      }
      const text = isBinary ? Buffer.from(data as Buffer).toString('base64') : String(data)
      instance
        .run('onMessage', () => room.onMessage?.(connection, text, context))
        .catch(() => undefined)
    })
    ws.on('error', () => undefined)
    ws.on('close', () => {
      instance.connections.delete(connection)
      instance.run('onClose', () => room.onClose?.(connection, context)).catch(() => undefined)
    })
  }

  /** The live instance of a room, created (from storage) when it is not in memory. */
  private instance(target: RoomTarget): RoomInstance {
    const key = `${target.type}/${target.id}`
    let instance = this.instances.get(key)
    if (instance !== undefined) return instance
    const RoomClass = this.deps.classes.get(target.type)
    if (RoomClass === undefined) {
      throw new SwitchboardError(ErrorCode.NotFound, `no room type ${target.type}`)
    }
    instance = new RoomInstance(
      target.type,
      target.id,
      new RoomClass(),
      this.deps.store,
      this.deps.options.rooms.maxValueBytes,
      this.deps.logger,
    )
    this.instances.set(key, instance)
    return instance
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return
    this.sweeping = true
    try {
      const now = Date.now()
      for (const [key, instance] of this.instances) {
        if (instance.idle && now - instance.lastActiveAt >= this.deps.options.rooms.idleEvictMs) {
          this.instances.delete(key)
        }
      }
      for (const { room, atMs } of await this.deps.store.dueAlarms(now, 100)) this.fire(room, atMs)
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'room sweep failed')
    } finally {
      this.sweeping = false
    }
  }

  /** Runs a due alarm in its room's queue; removes it unless the handler set a new one. */
  private fire(room: string, atMs: number): void {
    if (this.alarmsRunning.has(room)) return
    const [type, id] = room.split('/') as [string, string]
    let instance: RoomInstance
    try {
      instance = this.instance({ type, id, rest: '/' })
    } catch {
      // A room type no longer loaded: its alarm cannot run.
      this.deps.store.deleteAlarm(room, 0).catch((error: unknown) => {
        this.deps.logger.warn({ err: error, room }, 'removing an alarm failed')
      })
      return
    }
    this.alarmsRunning.add(room)
    const { store } = this.deps
    instance
      .run('onAlarm', async () => {
        await instance.room.onAlarm?.(instance.context)
        if ((await store.getAlarm(room)) === atMs) await store.deleteAlarm(room, instance.fence)
      })
      .catch(() => store.setAlarm(room, Date.now() + ALARM_RETRY_MS, instance.fence))
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, room }, 'retrying an alarm failed'),
      )
      .finally(() => this.alarmsRunning.delete(room))
  }
}

function send(response: ServerResponse, result: RoomResponse | undefined): void {
  const body = result?.body
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)
  const headers: Record<string, string> = {
    'Content-Type':
      typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    ...result?.headers,
  }
  response.writeHead(result?.status ?? 200, headers)
  response.end(text)
}
