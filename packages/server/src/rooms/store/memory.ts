/** In-memory room store: the reference behaviour of the port, gone with the process. */
import type { RoomStore, RoomWrite } from '../../ports/room-store.js'
import { checkFence, roomFenced } from './fence.js'

export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, Map<string, string>>()
  private readonly alarms = new Map<string, number>()
  /** The highest fence each room's mutations used. */
  private readonly fences = new Map<string, number>()

  async get(room: string, key: string): Promise<string | undefined> {
    return this.rooms.get(room)?.get(key)
  }

  async list(room: string, prefix: string, limit: number): Promise<Array<[string, string]>> {
    const entries = [...(this.rooms.get(room) ?? [])].filter(([key]) => key.startsWith(prefix))
    return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit)
  }

  async write(room: string, write: RoomWrite, fence: number): Promise<void> {
    this.raiseFence(room, fence)

    let entries = this.rooms.get(room)
    if (entries === undefined) this.rooms.set(room, (entries = new Map()))
    for (const key of write.deletes) entries.delete(key)
    for (const [key, value] of write.puts) entries.set(key, value)
  }

  async deleteAll(room: string, fence: number): Promise<void> {
    this.raiseFence(room, fence)

    this.rooms.delete(room)
    this.alarms.delete(room)
  }

  async setAlarm(room: string, atMs: number, fence: number): Promise<void> {
    this.raiseFence(room, fence)

    this.alarms.set(room, atMs)
  }

  async getAlarm(room: string): Promise<number | undefined> {
    return this.alarms.get(room)
  }

  async deleteAlarm(room: string, fence: number): Promise<void> {
    this.raiseFence(room, fence)

    this.alarms.delete(room)
  }

  async dueAlarms(nowMs: number, limit: number): Promise<Array<{ room: string; atMs: number }>> {
    return [...this.alarms]
      .filter(([, atMs]) => atMs <= nowMs)
      .sort(([, a], [, b]) => a - b)
      .slice(0, limit)
      .map(([room, atMs]) => ({ room, atMs }))
  }

  async close(): Promise<void> {}

  /** Refuses a fence below the room's highest, else makes it the highest (synchronously). */
  private raiseFence(room: string, fence: number): void {
    checkFence(fence)
    const highest = this.fences.get(room)
    if (highest !== undefined && fence < highest) throw roomFenced(room, fence, highest)
    this.fences.set(room, fence)
  }
}
