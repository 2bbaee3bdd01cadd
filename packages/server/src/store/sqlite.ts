/** SQLite key-value store in the embedded database. */
import type { KeyValueStore } from '../ports/store.js'
import type { SqliteDatabase } from '../storage/sqlite.js'

export class SqliteStore implements KeyValueStore {
  private readonly statements

  constructor(db: SqliteDatabase) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
    )
    this.statements = {
      get: db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?'),
      set: db.prepare('INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)'),
      delete: db.prepare('DELETE FROM kv WHERE key = ?'),
    }
  }

  async get(key: string): Promise<string | undefined> {
    return this.statements.get.get(key)?.value
  }

  async set(key: string, value: string): Promise<void> {
    this.statements.set.run(key, value)
  }

  async delete(key: string): Promise<void> {
    this.statements.delete.run(key)
  }

  async close(): Promise<void> {}
}
