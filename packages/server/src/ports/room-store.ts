/**
 * Room store port: the durable storage of rooms (the Durable Objects model). Each room, named
 * `type/id`, has its own key space of JSON values and at most one alarm.
 *
 * Guarantees every implementation gives (checked by test/conformance/room-store.ts):
 * - `write` applies all its puts and deletes atomically: a reader sees all or none of them,
 *   and after a crash either all or none survive (for durable implementations). Deletes apply
 *   before puts, so a key in both ends up put.
 * - Keys of one room never show in another; `list` returns keys in ascending order.
 * - A missing key reads as undefined; deleting one is a no-op.
 * - `setAlarm` replaces the room's alarm; `dueAlarms(now)` lists rooms whose alarm time is at
 *   or before `now`, earliest first, until `deleteAlarm` removes it.
 *
 * Fencing. In a cluster a room runs on one node at a time, which holds a lease with a fencing
 * token; a node that lost its lease (paused, partitioned) may still try to write. So every
 * mutation (`write`, `deleteAll`, `setAlarm`, `deleteAlarm`) carries a `fence`, a non-negative
 * safe integer, and the store remembers per room the highest fence any mutation used:
 * - a mutation whose fence is below it rejects with `room_fenced` and changes nothing;
 * - a mutation at or above it succeeds and raises the remembered fence to its own, atomically
 *   with the mutation (one transaction), so of two nodes writing concurrently, the one with the
 *   lower fence fails once the higher one has written;
 * - an empty mutation (deleting a missing key) still raises the fence;
 * - the remembered fence outlives `deleteAll` and, in durable implementations, restarts; a room
 *   never written has none (any fence passes);
 * - a fence that is not a non-negative safe integer rejects with `bad_request`.
 * Reads (`get`, `list`, `getAlarm`, `dueAlarms`) are not fenced.
 */
export interface RoomWrite {
  puts: Array<[key: string, valueJson: string]>
  deletes: string[]
}

export interface RoomStore {
  get(room: string, key: string): Promise<string | undefined>
  /** Entries whose key starts with `prefix`, ascending, at most `limit`. */
  list(room: string, prefix: string, limit: number): Promise<Array<[string, string]>>
  write(room: string, write: RoomWrite, fence: number): Promise<void>
  /** Removes every key and the alarm of the room; the remembered fence stays. */
  deleteAll(room: string, fence: number): Promise<void>
  setAlarm(room: string, atMs: number, fence: number): Promise<void>
  getAlarm(room: string): Promise<number | undefined>
  deleteAlarm(room: string, fence: number): Promise<void>
  dueAlarms(nowMs: number, limit: number): Promise<Array<{ room: string; atMs: number }>>
  close(): Promise<void>
}
