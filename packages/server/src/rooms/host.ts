/**
 * Rooms: one instance per type and id, created on first use (WebSocket at
 * `/rooms/{type}/{id}`, HTTP at `/rooms/{type}/{id}/...`), evicted from memory after
 * `rooms.idleEvictMs` without connections or events and rebuilt from storage on next use.
 * Alarms live in the room store, so one set before a restart fires after it; one shared timer
 * looks for due alarms and idle rooms and renews leases.
 *
 * In a cluster a room runs on the node holding its lease (see the room lease port). A client
 * or request arriving at another node is relayed there (`relay.ts`); a node that loses a lease
 * stops the room and closes its clients with 4009 `room_moved`, and storage refuses its late
 * writes by their fence.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { CloseCode, ErrorCode, closeReason } from '@switchboard/protocol'
import type { Logger } from 'pino'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Authenticator } from '../auth/authenticator.js'
import type { ServerOptions } from '../config/defaults.js'
import type { ConnectionIdentity } from '../connection/connection.js'
import type { ConnectionRegistry } from '../connection/registry.js'
import { SwitchboardError } from '../errors.js'
import type { UserModules } from '../functions/modules.js'
import type { RoomLeases } from '../ports/room-lease.js'
import type { RoomStore } from '../ports/room-store.js'
import {
  NodeHandlerError,
  NodeUnreachableError,
  type NodeMessage,
  type NodeRouter,
} from '../ports/router.js'
import { readTextBody, sendError } from '../transport/http-util.js'
import { readRoomMessages } from './inbound.js'
import { RoomInstance } from './instance.js'
import { RoomRelay, type RoomMessage } from './relay.js'
import { RelayedRoomSocket, RoomSocket, type AnyRoomSocket, type RelayLink } from './socket.js'
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
  leases: RoomLeases
  router: NodeRouter
  /** Names connections, so that ids are unique across the cluster. */
  registry: ConnectionRegistry
  authenticator: Authenticator
  options: Pick<ServerOptions, 'rooms' | 'limits'>
  /** How long to wait for another node's answer, in ms. */
  nodeRequestTimeoutMs: number
  logger: Logger
}

/** Where a room runs: here, or on another node. */
type Placement = { instance: RoomInstance } | { node: string }

/** A room request relayed to the room's node. */
interface RoomRequestMessage {
  type: 'room.request'
  room: string
  request: RoomRequest
}

export class RoomHost {
  private readonly instances = new Map<string, RoomInstance>()
  /** Rooms whose lease is being taken, so that concurrent first uses share one instance. */
  private readonly opening = new Map<string, Promise<Placement>>()
  private readonly alarmsRunning = new Set<string>()
  /** Alarms of room types not loaded that storage would not let this node remove. */
  private readonly unrunnableAlarms = new Set<string>()
  private readonly wss: WebSocketServer
  private readonly relay: RoomRelay
  private readonly link: RelayLink
  private readonly timer: NodeJS.Timeout
  private sweeping = false
  private relayCheckedAt = Date.now()

  constructor(private readonly deps: RoomHostDependencies) {
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: deps.options.limits.maxFrameBytes,
    })
    this.relay = new RoomRelay(deps.router, deps.nodeRequestTimeoutMs, deps.logger)
    const router = deps.router
    this.link = {
      send: (node, id, text) => void router.send(node, { type: 'room.send', id, text }),
      close: (node, id, code, reason) =>
        void router.send(node, { type: 'room.close', id, code, reason }),
    }
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS)
    this.timer.unref()
  }

  /** The room a path names, if it names one. */
  static target(pathname: string): RoomTarget | undefined {
    const match = ROOM_PATH.exec(pathname)
    if (match === null) return undefined
    return { type: match[1]!, id: match[2]!, rest: match[3] ?? '/' }
  }

  /** Whether a router message is one of the rooms'. */
  static owns(message: NodeMessage): boolean {
    return message.type.startsWith('room.')
  }

  /** Rooms running on this node. */
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
    const admitted = this.deps.authenticator.identify(request, url).then(
      async (identity) => ({ identity, placement: await this.place(target) }),
      () => CloseCode.Unauthorized,
    )
    admitted
      .catch((error: unknown) => {
        if (error instanceof SwitchboardError && error.code === ErrorCode.NotFound) {
          return CloseCode.ProtocolError
        }
        // Its lease could not be read (Redis unreachable): the client retries.
        this.deps.logger.warn({ err: error, room: key(target) }, 'room not available')
        return CloseCode.RoomMoved
      })
      .then((outcome) => {
        this.wss.handleUpgrade(request, socket, head, (ws) => {
          if (typeof outcome === 'number') {
            ws.close(outcome, closeReason[outcome])
            return
          }
          const { identity, placement } = outcome
          if ('instance' in placement) this.join(placement.instance, ws, identity)
          else this.relayTo(placement.node, ws, identity, key(target))
        })
      })
  }

  async handleRequest(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    target: RoomTarget,
  ): Promise<void> {
    try {
      const identity = await this.deps.authenticator.identify(request, url)
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
      const placement = await this.place(target)
      const result =
        'instance' in placement
          ? await this.request(placement.instance, roomRequest)
          : await this.relayRequest(placement.node, key(target), roomRequest)
      send(response, result)
    } catch (error) {
      sendError(response, error)
    }
  }

  /** Answers the rooms' router messages, from relaying nodes and from rooms' nodes. */
  async handle(message: NodeMessage, from: string): Promise<unknown> {
    if (this.relay.handle(message)) return null
    if (message.type === 'room.request') {
      const { room, request } = message as unknown as RoomRequestMessage
      return this.request(this.running(room), request)
    }
    const m = message as RoomMessage
    if (m.type === 'room.join') {
      const instance = this.running(m.room)
      const connection = new RelayedRoomSocket(m.id, m.user ?? undefined, m.info, from, this.link)
      this.connect(instance, connection)
      return true
    }
    if (m.type !== 'room.message' && m.type !== 'room.leave') return null
    const instance = this.instances.get(m.room)
    const connection = instance?.connections.get(m.id)
    if (instance === undefined || connection === undefined) {
      // The room stopped here: its relayed client must go where it runs now.
      if (m.type === 'room.message') {
        this.link.close(from, m.id, CloseCode.RoomMoved, closeReason[CloseCode.RoomMoved]!)
      }
      return null
    }
    if (m.type === 'room.message') this.message(instance, connection, m.text)
    else this.disconnected(instance, connection)
    return null
  }

  close(): void {
    clearInterval(this.timer)
    this.relay.close()
    for (const instance of this.instances.values()) {
      for (const connection of instance.connections.values())
        connection.close(CloseCode.ServerShutdown, closeReason[CloseCode.ServerShutdown])
      void this.deps.leases.release(key(instance), instance.fence).catch(() => undefined)
    }
  }

  private join(instance: RoomInstance, ws: WebSocket, identity: ConnectionIdentity): void {
    const id = this.deps.registry.newId()
    const connection = new RoomSocket(id, identity.user, identity.info, ws)
    this.connect(instance, connection)
    readRoomMessages(
      ws,
      identity.plan,
      (text) => this.message(instance, connection, text),
      () => this.disconnected(instance, connection),
    )
  }

  private relayTo(node: string, ws: WebSocket, identity: ConnectionIdentity, room: string): void {
    const client = {
      id: this.deps.registry.newId(),
      user: identity.user,
      info: identity.info,
      plan: identity.plan,
    }
    this.relay.join(ws, client, room, node)
  }

  private connect(instance: RoomInstance, connection: AnyRoomSocket): void {
    const { room, context } = instance
    instance.connections.set(connection.id, connection)
    instance
      .run('onConnect', () => room.onConnect?.(connection, context))
      .catch(() => {
        connection.close(CloseCode.InternalError, closeReason[CloseCode.InternalError])
      })
  }

  private message(instance: RoomInstance, connection: AnyRoomSocket, text: string): void {
    const { room, context } = instance
    instance
      .run('onMessage', () => room.onMessage?.(connection, text, context))
      .catch(() => undefined)
  }

  private disconnected(instance: RoomInstance, connection: AnyRoomSocket): void {
    if (instance.connections.get(connection.id) !== connection) return
    instance.connections.delete(connection.id)
    const { room, context } = instance
    instance.run('onClose', () => room.onClose?.(connection, context)).catch(() => undefined)
  }

  private async request(instance: RoomInstance, request: RoomRequest): Promise<RoomResponse> {
    const onRequest = instance.room.onRequest
    if (onRequest === undefined) {
      throw new SwitchboardError(ErrorCode.NotFound, `room type ${instance.type} has no onRequest`)
    }
    return (
      (await instance.run('onRequest', () =>
        onRequest.call(instance.room, request, instance.context),
      )) ?? {}
    )
  }

  private async relayRequest(
    node: string,
    room: string,
    request: RoomRequest,
  ): Promise<RoomResponse> {
    const message: RoomRequestMessage = { type: 'room.request', room, request }
    try {
      const timeoutMs = this.deps.nodeRequestTimeoutMs
      return (await this.deps.router.request(node, { ...message }, timeoutMs)) as RoomResponse
    } catch (error) {
      if (error instanceof NodeHandlerError) {
        throw new SwitchboardError(
          (error.code ?? ErrorCode.InternalError) as ErrorCode,
          error.message,
        )
      }
      if (error instanceof NodeUnreachableError) {
        throw new SwitchboardError(
          ErrorCode.Unavailable,
          `the node running room ${room} did not answer; retry`,
        )
      }
      throw error
    }
  }

  /** The instance of a room running here, for a relayed event; throws when it runs elsewhere. */
  private running(room: string): RoomInstance {
    const instance = this.instances.get(room)
    if (instance !== undefined) return instance
    throw new SwitchboardError(ErrorCode.Unavailable, `room ${room} does not run on this node`)
  }

  /**
   * Where a room runs: its instance here when this node holds (or just took) its lease, built
   * from storage when it is not in memory; otherwise the node holding the lease.
   */
  private place(target: RoomTarget): Promise<Placement> {
    const room = key(target)
    const instance = this.instances.get(room)
    if (instance !== undefined) return Promise.resolve({ instance })
    const RoomClass = this.deps.classes.get(target.type)
    if (RoomClass === undefined) {
      return Promise.reject(new SwitchboardError(ErrorCode.NotFound, `no room type ${target.type}`))
    }
    let opening = this.opening.get(room)
    if (opening === undefined) {
      opening = this.open(target, RoomClass).finally(() => this.opening.delete(room))
      this.opening.set(room, opening)
    }
    return opening
  }

  private async open(target: RoomTarget, RoomClass: RoomClass): Promise<Placement> {
    const room = key(target)
    const lease = await this.deps.leases.acquire(room)
    if (lease.holder !== this.deps.router.nodeId) return { node: lease.holder }
    const instance = new RoomInstance(
      target.type,
      target.id,
      new RoomClass(),
      this.deps.store,
      this.deps.options.rooms.maxValueBytes,
      lease.fence,
      this.deps.logger,
      () => this.stop(instance, 'fenced'),
    )
    this.instances.set(room, instance)
    return { instance }
  }

  /** Stops a room that this node no longer holds: its clients reconnect to its new node. */
  private stop(instance: RoomInstance, why: string): void {
    const room = key(instance)
    if (this.instances.get(room) !== instance) return
    this.instances.delete(room)
    this.deps.logger.warn({ room, why }, 'room lease lost; the room stops on this node')
    for (const connection of instance.connections.values()) {
      connection.close(CloseCode.RoomMoved, closeReason[CloseCode.RoomMoved])
    }
    instance.connections.clear()
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return
    this.sweeping = true
    try {
      const now = Date.now()
      const { leases } = this.deps
      for (const [room, instance] of this.instances) {
        if (instance.idle && now - instance.lastActiveAt >= this.deps.options.rooms.idleEvictMs) {
          this.instances.delete(room)
          await leases.release(room, instance.fence)
        }
      }
      await this.renewLeases(now)
      if (now - this.relayCheckedAt >= leases.ttlMs / 3) {
        this.relayCheckedAt = now
        await this.relay.check(leases)
      }
      for (const { room, atMs } of await this.deps.store.dueAlarms(now, 100)) {
        await this.fire(room, atMs)
      }
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'room sweep failed')
    } finally {
      this.sweeping = false
    }
  }

  /**
   * Renews the lease of each room running here a third of its TTL after the last renewal. A
   * room whose lease is gone, or could not be renewed for a whole TTL (Redis unreachable, so
   * another node may have taken it), stops here.
   */
  private async renewLeases(now: number): Promise<void> {
    const { leases } = this.deps
    for (const [room, instance] of [...this.instances]) {
      if (now - instance.leaseRenewedAt < leases.ttlMs / 3) continue
      try {
        if (await leases.renew(room, instance.fence)) instance.leaseRenewedAt = now
        else this.stop(instance, 'lease taken')
      } catch (error) {
        if (now - instance.leaseRenewedAt < leases.ttlMs) continue
        this.deps.logger.warn({ err: error, room }, 'renewing a room lease failed')
        this.stop(instance, 'lease not renewed')
      }
    }
  }

  /**
   * Runs a due alarm in its room's queue, when the room runs here or can start here; removes
   * it unless the handler set a new one. The node running the room fires it otherwise.
   */
  private async fire(room: string, atMs: number): Promise<void> {
    if (this.alarmsRunning.has(room) || this.unrunnableAlarms.has(room)) return
    const [type, id] = room.split('/') as [string, string]
    let placement: Placement
    try {
      placement = await this.place({ type, id, rest: '/' })
    } catch (error) {
      if (!(error instanceof SwitchboardError && error.code === ErrorCode.NotFound)) throw error
      // A room type no longer loaded: its alarm cannot run. Removing it needs a fence above
      // the room's; when storage refuses fence 0 the alarm is only skipped from now on.
      await this.deps.store.deleteAlarm(room, 0).catch((error: unknown) => {
        this.unrunnableAlarms.add(room)
        this.deps.logger.warn({ err: error, room }, 'alarm of an unknown room type skipped')
      })
      return
    }
    if (!('instance' in placement)) return
    const instance = placement.instance
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

function key(room: { type: string; id: string }): string {
  return `${room.type}/${room.id}`
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
