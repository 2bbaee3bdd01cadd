/**
 * `ctx.storage` of one room over the room store port: JSON values, single calls applied at
 * once, `transaction` buffering its writes until the work resolves. Every mutation carries the
 * fence this node holds for the room, so one made after another node took the room over
 * rejects with `room_fenced`.
 */
import { ErrorCode } from '@switchboard/protocol'
import { SwitchboardError } from '../errors.js'
import type { RoomStore, RoomWrite } from '../ports/room-store.js'
import type { RoomStorage } from './types.js'

/** Most entries one `list` returns. */
const MAX_LIST = 10_000
/** Longest key, in characters. */
const MAX_KEY_LENGTH = 2048

export class RoomStorageImpl implements RoomStorage {
  constructor(
    private readonly store: RoomStore,
    private readonly room: string,
    private readonly maxValueBytes: number,
    /** The fencing token of this node's hold on the room (see ports/room-store.ts). */
    private readonly fence: number,
  ) {}

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const json = await this.store.get(this.room, checkKey(key))
    return json === undefined ? undefined : (JSON.parse(json) as T)
  }

  async put(key: string, value: unknown): Promise<void> {
    const write: RoomWrite = { puts: [[checkKey(key), this.encode(key, value)]], deletes: [] }
    await this.store.write(this.room, write, this.fence)
  }

  async delete(key: string): Promise<boolean> {
    const existed = (await this.store.get(this.room, checkKey(key))) !== undefined
    if (existed) await this.store.write(this.room, { puts: [], deletes: [key] }, this.fence)
    return existed
  }

  async list<T = unknown>(
    options: { prefix?: string; limit?: number } = {},
  ): Promise<Map<string, T>> {
    const limit = Math.min(options.limit ?? MAX_LIST, MAX_LIST)
    const entries = await this.store.list(this.room, options.prefix ?? '', limit)
    return new Map(entries.map(([key, json]) => [key, JSON.parse(json) as T]))
  }

  async transaction<R>(work: (txn: RoomStorage) => Promise<R>): Promise<R> {
    const buffered = new Map<string, string | undefined>()
    const read = async <T>(key: string): Promise<T | undefined> => {
      if (!buffered.has(key)) return this.get<T>(key)
      const json = buffered.get(key)
      return json === undefined ? undefined : (JSON.parse(json) as T)
    }
    const txn: RoomStorage = {
      get: read,
      put: async (key, value) => {
        buffered.set(checkKey(key), this.encode(key, value))
      },
      delete: async (key) => {
        const existed = (await read(key)) !== undefined
        buffered.set(checkKey(key), undefined)
        return existed
      },
      list: async <T>(options?: { prefix?: string; limit?: number }) => {
        const stored = await this.list<T>(options)
        const prefix = options?.prefix ?? ''
        for (const [key, json] of buffered) {
          if (!key.startsWith(prefix)) continue
          if (json === undefined) stored.delete(key)
          else stored.set(key, JSON.parse(json) as T)
        }
        return new Map([...stored].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      },
      transaction: (inner) => inner(txn),
      setAlarm: (at) => this.setAlarm(at),
      getAlarm: () => this.getAlarm(),
      deleteAlarm: () => this.deleteAlarm(),
    }

    const result = await work(txn)
    const write: RoomWrite = { puts: [], deletes: [] }
    for (const [key, json] of buffered) {
      if (json === undefined) write.deletes.push(key)
      else write.puts.push([key, json])
    }
    if (write.puts.length > 0 || write.deletes.length > 0) {
      await this.store.write(this.room, write, this.fence)
    }
    return result
  }

  async setAlarm(at: number | Date): Promise<void> {
    const atMs = typeof at === 'number' ? at : at.getTime()
    if (!Number.isFinite(atMs)) {
      throw new SwitchboardError(ErrorCode.BadRequest, 'setAlarm needs a time in ms or a Date')
    }
    await this.store.setAlarm(this.room, atMs, this.fence)
  }

  getAlarm(): Promise<number | undefined> {
    return this.store.getAlarm(this.room)
  }

  deleteAlarm(): Promise<void> {
    return this.store.deleteAlarm(this.room, this.fence)
  }

  private encode(key: string, value: unknown): string {
    const json = JSON.stringify(value)
    if (json === undefined) {
      throw new SwitchboardError(ErrorCode.BadRequest, `storage value of ${key} is not JSON`)
    }
    const size = Buffer.byteLength(json)
    if (size > this.maxValueBytes) {
      throw new SwitchboardError(
        ErrorCode.MessageTooLarge,
        `storage value of ${key} is ${size} bytes, the limit (rooms.maxValueBytes) is ${this.maxValueBytes}`,
      )
    }
    return json
  }
}

function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new SwitchboardError(
      ErrorCode.BadRequest,
      `storage keys are strings of 1-${MAX_KEY_LENGTH} characters`,
    )
  }
  return key
}
