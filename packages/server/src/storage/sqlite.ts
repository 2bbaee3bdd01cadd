/**
 * The embedded database: one SQLite file in WAL mode under the data directory, shared by the
 * SQLite implementations of the ports. `synchronous = NORMAL` in WAL mode keeps every
 * committed write across a process crash (not across a power loss), at a fraction of the
 * cost of FULL.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'

export type SqliteDatabase = Database.Database

export function openDatabase(dataDir: string): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true })
  const db = new Database(join(dataDir, 'switchboard.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  return db
}
