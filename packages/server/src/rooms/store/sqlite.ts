/** Room store in the embedded SQLite database; each `write` is one transaction. */
import type { RoomStore, RoomWrite } from '../../ports/room-store.js'
import type { SqliteDatabase } from '../../storage/sqlite.js'

export class SqliteRoomStore implements RoomStore {
  private readonly statements
  private readonly writeTransaction: (room: string, write: RoomWrite) => void

  constructor(db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS room_storage (
        room TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (room, key)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS room_alarms (room TEXT PRIMARY KEY, at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS room_alarms_at ON room_alarms (at);
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
    }
    this.writeTransaction = db.transaction((room: string, write: RoomWrite) => {
      for (const key of write.deletes) this.statements.delete.run(room, key)
      for (const [key, value] of write.puts) this.statements.put.run(room, key, value)
    })
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

  async write(room: string, write: RoomWrite): Promise<void> {
    this.writeTransaction(room, write)
  }

  async deleteAll(room: string): Promise<void> {
    this.statements.deleteRoom.run(room)
    this.statements.deleteAlarm.run(room)
  }

  async setAlarm(room: string, atMs: number): Promise<void> {
    this.statements.setAlarm.run(room, atMs)
  }

  async getAlarm(room: string): Promise<number | undefined> {
    return this.statements.getAlarm.get(room)?.at
  }

  async deleteAlarm(room: string): Promise<void> {
    this.statements.deleteAlarm.run(room)
  }

  async dueAlarms(nowMs: number, limit: number): Promise<Array<{ room: string; atMs: number }>> {
    return this.statements.due.all(nowMs, limit).map((row) => ({ room: row.room, atMs: row.at }))
  }

  async close(): Promise<void> {}
}
