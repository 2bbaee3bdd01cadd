/**
 * Room store in the embedded SQLite database. Each mutation is one `BEGIN IMMEDIATE`
 * transaction that checks and raises the room's fence before it changes anything, so the check
 * holds even against another process writing the same file.
 */
import type { RoomStore, RoomWrite } from '../../ports/room-store.js'
import type { SqliteDatabase } from '../../storage/sqlite.js'
import { checkFence, roomFenced } from './fence.js'

export class SqliteRoomStore implements RoomStore {
  private readonly statements
  private readonly fenced: (room: string, fence: number, mutate: () => void) => void

  constructor(db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS room_storage (
        room TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (room, key)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS room_alarms (room TEXT PRIMARY KEY, at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS room_alarms_at ON room_alarms (at);
      CREATE TABLE IF NOT EXISTS room_fences (room TEXT PRIMARY KEY, fence INTEGER NOT NULL);
    `)
    this.statements = {
      get: db.prepare<[string, string], { value: string }>(
        'SELECT value FROM room_storage WHERE room = ? AND key = ?',
      ),
      // `key >= prefix` with the prefix's upper bound keeps the primary key index in use.
      list: db.prepare<[string, string, string, number], { key: string; value: string }>(
        'SELECT key, value FROM room_storage WHERE room = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?',
      ),
      listAll: db.prepare<[string, number], { key: string; value: string }>(
        'SELECT key, value FROM room_storage WHERE room = ? ORDER BY key LIMIT ?',
      ),
      put: db.prepare('INSERT OR REPLACE INTO room_storage (room, key, value) VALUES (?, ?, ?)'),
      delete: db.prepare('DELETE FROM room_storage WHERE room = ? AND key = ?'),
      deleteRoom: db.prepare('DELETE FROM room_storage WHERE room = ?'),
      setAlarm: db.prepare('INSERT OR REPLACE INTO room_alarms (room, at) VALUES (?, ?)'),
      getAlarm: db.prepare<[string], { at: number }>('SELECT at FROM room_alarms WHERE room = ?'),
      deleteAlarm: db.prepare('DELETE FROM room_alarms WHERE room = ?'),
      due: db.prepare<[number, number], { room: string; at: number }>(
        'SELECT room, at FROM room_alarms WHERE at <= ? ORDER BY at LIMIT ?',
      ),
      getFence: db.prepare<[string], { fence: number }>(
        'SELECT fence FROM room_fences WHERE room = ?',
      ),
      setFence: db.prepare('INSERT OR REPLACE INTO room_fences (room, fence) VALUES (?, ?)'),
    }
    const transaction = db.transaction((room: string, fence: number, mutate: () => void) => {
      const highest = this.statements.getFence.get(room)?.fence
      if (highest !== undefined && fence < highest) throw roomFenced(room, fence, highest)
      this.statements.setFence.run(room, fence)
      mutate()
    })
    // IMMEDIATE takes the write lock before the fence is read, so no other connection can
    // raise it between the check and the commit.
    this.fenced = (room, fence, mutate) => {
      checkFence(fence)
      transaction.immediate(room, fence, mutate)
    }
  }

  async get(room: string, key: string): Promise<string | undefined> {
    return this.statements.get.get(room, key)?.value
  }

  async list(room: string, prefix: string, limit: number): Promise<Array<[string, string]>> {
    const rows =
      prefix === ''
        ? this.statements.listAll.all(room, limit)
        : this.statements.list.all(room, prefix, `${prefix}\u{10ffff}`, limit)
    return rows.map((row) => [row.key, row.value])
  }

  async write(room: string, write: RoomWrite, fence: number): Promise<void> {
    this.fenced(room, fence, () => {
      for (const key of write.deletes) this.statements.delete.run(room, key)
      for (const [key, value] of write.puts) this.statements.put.run(room, key, value)
    })
  }

  async deleteAll(room: string, fence: number): Promise<void> {
    this.fenced(room, fence, () => {
      this.statements.deleteRoom.run(room)
      this.statements.deleteAlarm.run(room)
    })
  }

  async setAlarm(room: string, atMs: number, fence: number): Promise<void> {
    this.fenced(room, fence, () => this.statements.setAlarm.run(room, atMs))
  }

  async getAlarm(room: string): Promise<number | undefined> {
    return this.statements.getAlarm.get(room)?.at
  }

  async deleteAlarm(room: string, fence: number): Promise<void> {
    this.fenced(room, fence, () => this.statements.deleteAlarm.run(room))
  }

  async dueAlarms(nowMs: number, limit: number): Promise<Array<{ room: string; atMs: number }>> {
    return this.statements.due.all(nowMs, limit).map((row) => ({ room: row.room, atMs: row.at }))
  }

  async close(): Promise<void> {}
}
