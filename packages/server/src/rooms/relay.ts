/**
 * Clients of rooms that run on another node of the cluster: their WebSockets are here, their
 * room is there. Each client's frames travel to the room's node in order (router messages from
 * one node to another keep their order), and what the room sends or closes comes back. When the
 * room's node stops holding the room (it died, or the room moved), its relayed clients are
 * closed with 4009 `room_moved` and reconnect to wherever the room now runs.
 */
import { CloseCode, closeReason } from '@switchboard/protocol'
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import type { Plan } from '../limits/plans.js'
import type { RoomLeases } from '../ports/room-lease.js'
import type { NodeMessage, NodeRouter } from '../ports/router.js'
import { readRoomMessages } from './inbound.js'

/** Router messages between a relaying node and a room's node; types start with `room.`. */
export type RoomMessage =
  | { type: 'room.join'; room: string; id: string; user: string | null; info: unknown }
  | { type: 'room.message'; room: string; id: string; text: string }
  | { type: 'room.leave'; room: string; id: string }
  | { type: 'room.send'; id: string; text: string }
  | { type: 'room.close'; id: string; code: number; reason: string }

interface Relayed {
  ws: WebSocket
  room: string
  /** The node running the room. */
  node: string
}

export interface RelayedClient {
  id: string
  user: string | undefined
  info: unknown
  plan: Plan
}

export class RoomRelay {
  private readonly relayed = new Map<string, Relayed>()

  constructor(
    private readonly router: NodeRouter,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.relayed.size
  }

  /** Relays a client's WebSocket to the room running on `node`. */
  join(ws: WebSocket, client: RelayedClient, room: string, node: string): void {
    const { id } = client
    this.relayed.set(id, { ws, room, node })
    const join: RoomMessage = {
      type: 'room.join',
      room,
      id,
      user: client.user ?? null,
      info: client.info ?? null,
    }
    // Frames wait for the join, then leave in arrival order.
    let joined = this.router.request(node, join, this.timeoutMs).then(
      () => true,
      (error: unknown) => {
        this.logger.debug({ err: error, room, node }, 'relayed room join failed')
        closeMoved(ws)
        return false
      },
    )
    const forward = (message: RoomMessage) => {
      joined = joined.then((ok) => {
        if (ok) void this.router.send(node, message).then((sent) => sent || closeMoved(ws))
        return ok
      })
    }
    readRoomMessages(
      ws,
      client.plan,
      (text) => forward({ type: 'room.message', room, id, text }),
      () => {
        this.relayed.delete(id)
        forward({ type: 'room.leave', room, id })
      },
    )
  }

  /** Answers `room.send` and `room.close` from a room's node; false for other messages. */
  handle(message: NodeMessage): boolean {
    const m = message as RoomMessage
    if (m.type === 'room.send') {
      const ws = this.relayed.get(m.id)?.ws
      if (ws !== undefined && ws.readyState === ws.OPEN) ws.send(m.text)
      return true
    }
    if (m.type === 'room.close') {
      this.relayed.get(m.id)?.ws.close(m.code, m.reason)
      return true
    }
    return false
  }

  /** Closes the relayed clients of rooms that their node no longer holds. */
  async check(leases: RoomLeases): Promise<void> {
    const nodes = new Map<string, string>()
    for (const { room, node } of this.relayed.values()) nodes.set(room, node)
    for (const [room, node] of nodes) {
      if ((await leases.holder(room)) === node) continue
      for (const relayed of this.relayed.values()) {
        if (relayed.room === room) closeMoved(relayed.ws)
      }
    }
  }

  close(): void {
    for (const { ws } of this.relayed.values()) {
      ws.close(CloseCode.ServerShutdown, closeReason[CloseCode.ServerShutdown])
    }
  }
}

function closeMoved(ws: WebSocket): void {
  ws.close(CloseCode.RoomMoved, closeReason[CloseCode.RoomMoved])
}
