/**
 * One live room: its instance of the user's class, its connections, and a queue that runs its
 * events one at a time, in arrival order, so no two handlers of a room ever overlap. A handler
 * that throws is logged; the room goes on with the next event, unless storage refused a write
 * as fenced: then another node holds the room, and `onFenced` stops this instance.
 */
import { ErrorCode } from '@switchboard/protocol'
import type { Logger } from 'pino'
import type { RoomStore } from '../ports/room-store.js'
import type { AnyRoomSocket } from './socket.js'
import { RoomStorageImpl } from './storage.js'
import type { Room, RoomConnection, RoomContext } from './types.js'

export class RoomInstance {
  /** The room's connections, local and relayed, by id. */
  readonly connections = new Map<string, AnyRoomSocket>()
  /** When the lease was last renewed, in ms. */
  leaseRenewedAt = Date.now()
  readonly context: RoomContext
  /** Events queued or running. */
  pending = 0
  /** When the room last had a connection or an event, in ms. */
  lastActiveAt = Date.now()
  private queue: Promise<void> = Promise.resolve()

  constructor(
    readonly type: string,
    readonly id: string,
    readonly room: Room,
    store: RoomStore,
    maxValueBytes: number,
    /** The fence of this node's lease on the room: every storage write carries it. */
    readonly fence: number,
    private readonly logger: Logger,
    private readonly onFenced: () => void,
  ) {
    const connections = this.connections
    this.context = {
      type,
      id,
      storage: new RoomStorageImpl(store, `${type}/${id}`, maxValueBytes, fence),
      broadcast(message, options = {}) {
        const excluded = new Set(
          (options.exclude ?? []).map((entry) => (typeof entry === 'string' ? entry : entry.id)),
        )
        const text = typeof message === 'string' ? message : JSON.stringify(message)
        for (const connection of connections.values()) {
          if (excluded.has(connection.id)) continue
          if (options.tag !== undefined && !connection.tags.includes(options.tag)) continue
          connection.send(text)
        }
      },
      connections(tag) {
        const all: RoomConnection[] = [...connections.values()]
        return tag === undefined ? all : all.filter((c) => c.tags.includes(tag))
      },
    }
  }

  /** Runs `work` after every event queued before it; resolves (or rejects) with its result. */
  run<T>(name: string, work: () => T | Promise<T>): Promise<T> {
    this.pending++
    this.lastActiveAt = Date.now()
    const result = this.queue.then(work)
    this.queue = result.then(
      () => this.settle(),
      (error: unknown) => {
        this.settle()
        if ((error as { code?: unknown }).code === ErrorCode.RoomFenced) this.onFenced()
        this.logger.warn(
          { err: error, room: `${this.type}/${this.id}`, handler: name },
          'room handler failed',
        )
      },
    )
    return result
  }

  get idle(): boolean {
    return this.connections.size === 0 && this.pending === 0
  }

  private settle(): void {
    this.pending--
    this.lastActiveAt = Date.now()
  }
}
