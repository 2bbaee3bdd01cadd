/** In-memory room store: the reference behaviour of the port, gone with the process. */
import type { RoomStore, RoomWrite } from '../../ports/room-store.js'

export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, Map<string, string>>()
  private readonly alarms = new Map<string, number>()

  async get(room: string, key: string): Promise<string | undefined> {
    return this.rooms.get(room)?.get(key)
  }

  async list(room: string, prefix: string, limit: number): Promise<Array<[string, string]>> {
    const entries = [...(this.rooms.get(room) ?? [])].filter(([key]) => key.startsWith(prefix))
    return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit)
  }

  async write(room: string, write: RoomWrite): Promise<void> {
    let entries = this.rooms.get(room)
    if (entries === undefined) this.rooms.set(room, (entries = new Map()))
    for (const key of write.deletes) entries.delete(key)
    for (const [key, value] of write.puts) entries.set(key, value)
  }

  async deleteAll(room: string): Promise<void> {
    this.rooms.delete(room)
    this.alarms.delete(room)
  }

  async setAlarm(room: string, atMs: number): Promise<void> {
    this.alarms.set(room, atMs)
  }

  async getAlarm(room: string): Promise<number | undefined> {
    return this.alarms.get(room)
  }

  async deleteAlarm(room: string): Promise<void> {
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
}
