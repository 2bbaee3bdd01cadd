/**
 * Room store port: the durable storage of rooms (the Durable Objects model). Each room, named
 * `type/id`, has its own key space of JSON values and at most one alarm.
 *
 * Guarantees every implementation gives (checked by test/conformance/room-store.ts):
 * - `write` applies all its puts and deletes atomically: a reader sees all or none of them,
 *   and after a crash either all or none survive (for durable implementations).
 * - Keys of one room never show in another; `list` returns keys in ascending order.
 * - A missing key reads as undefined; deleting one is a no-op.
 * - `setAlarm` replaces the room's alarm; `dueAlarms(now)` lists rooms whose alarm time is at
 *   or before `now`, earliest first, until `deleteAlarm` removes it.
 */
export interface RoomWrite {
  puts: Array<[key: string, valueJson: string]>
  deletes: string[]
}

export interface RoomStore {
  get(room: string, key: string): Promise<string | undefined>
  /** Entries whose key starts with `prefix`, ascending, at most `limit`. */
  list(room: string, prefix: string, limit: number): Promise<Array<[string, string]>>
  write(room: string, write: RoomWrite): Promise<void>
  /** Removes every key and the alarm of the room. */
  deleteAll(room: string): Promise<void>
  setAlarm(room: string, atMs: number): Promise<void>
  getAlarm(room: string): Promise<number | undefined>
  deleteAlarm(room: string): Promise<void>
  dueAlarms(nowMs: number, limit: number): Promise<Array<{ room: string; atMs: number }>>
  close(): Promise<void>
}
