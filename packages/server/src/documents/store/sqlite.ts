/**
 * SQLite document store in the embedded database, the default. Every statement commits on its
 * own (WAL, `synchronous = NORMAL`), so an append that returned survives a process crash.
 */
import type { DocumentStore, DocumentVersion, StoredDocument } from '../../ports/documents.js'
import type { SqliteDatabase } from '../../storage/sqlite.js'
import { versionExists } from './memory.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS documents (
  name TEXT PRIMARY KEY,
  clock INTEGER NOT NULL,
  snapshot_clock INTEGER NOT NULL DEFAULT 0,
  snapshot BLOB
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS document_updates (
  document TEXT NOT NULL,
  clock INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (document, clock)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS document_versions (
  document TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (document, name)
);
`

interface DocumentRow {
  clock: number
  snapshot_clock: number
  snapshot: Buffer | null
}

interface VersionRow {
  name: string
  created_at: number
  bytes: number
}

export class SqliteDocumentStore implements DocumentStore {
  private readonly statements
  private readonly appendTransaction: (document: string, update: Uint8Array) => number
  private readonly compactTransaction: (
    document: string,
    snapshot: Uint8Array,
    throughClock: number,
  ) => void

  constructor(
    db: SqliteDatabase,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(SCHEMA)
    this.statements = {
      advance: db.prepare<[string], { clock: number }>(
        `INSERT INTO documents (name, clock) VALUES (?, 1)
         ON CONFLICT (name) DO UPDATE SET clock = clock + 1 RETURNING clock`,
      ),
      insertUpdate: db.prepare(
        'INSERT INTO document_updates (document, clock, data) VALUES (?, ?, ?)',
      ),
      document: db.prepare<[string], DocumentRow>(
        'SELECT clock, snapshot_clock, snapshot FROM documents WHERE name = ?',
      ),
      updates: db.prepare<[string, number], { data: Buffer }>(
        'SELECT data FROM document_updates WHERE document = ? AND clock > ? ORDER BY clock',
      ),
      setSnapshot: db.prepare(
        'UPDATE documents SET snapshot = ?, snapshot_clock = ? WHERE name = ? AND snapshot_clock < ?',
      ),
      dropUpdates: db.prepare('DELETE FROM document_updates WHERE document = ? AND clock <= ?'),
      insertVersion: db.prepare(
        `INSERT INTO document_versions (document, name, created_at, data) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ),
      versions: db.prepare<[string], VersionRow>(
        `SELECT name, created_at, length(data) AS bytes FROM document_versions
         WHERE document = ? ORDER BY rowid`,
      ),
      version: db.prepare<[string, string], { data: Buffer }>(
        'SELECT data FROM document_versions WHERE document = ? AND name = ?',
      ),
    }
    this.appendTransaction = db.transaction((document: string, update: Uint8Array) => {
      const { clock } = this.statements.advance.get(document)!
      this.statements.insertUpdate.run(document, clock, update)
      return clock
    })
    this.compactTransaction = db.transaction(
      (document: string, snapshot: Uint8Array, throughClock: number) => {
        const changed = this.statements.setSnapshot.run(
          snapshot,
          throughClock,
          document,
          throughClock,
        )
        if (changed.changes === 1) this.statements.dropUpdates.run(document, throughClock)
      },
    )
  }

  async append(document: string, update: Uint8Array): Promise<number> {
    return this.appendTransaction(document, update)
  }

  async load(document: string): Promise<StoredDocument> {
    const row = this.statements.document.get(document)
    if (row === undefined) return { snapshot: undefined, snapshotClock: 0, updates: [], clock: 0 }
    const updates = this.statements.updates.all(document, row.snapshot_clock).map((u) => u.data)
    return {
      snapshot: row.snapshot ?? undefined,
      snapshotClock: row.snapshot_clock,
      updates,
      clock: row.clock,
    }
  }

  async compact(document: string, snapshot: Uint8Array, throughClock: number): Promise<void> {
    this.compactTransaction(document, snapshot, throughClock)
  }

  async createVersion(document: string, name: string, state: Uint8Array): Promise<DocumentVersion> {
    const createdAt = this.now()
    const inserted = this.statements.insertVersion.run(document, name, createdAt, state)
    if (inserted.changes === 0) throw versionExists(document, name)
    return { name, createdAt, bytes: state.length }
  }

  async listVersions(document: string): Promise<DocumentVersion[]> {
    return this.statements.versions
      .all(document)
      .map((row) => ({ name: row.name, createdAt: row.created_at, bytes: row.bytes }))
  }

  async readVersion(document: string, name: string): Promise<Uint8Array | undefined> {
    return this.statements.version.get(document, name)?.data
  }

  async close(): Promise<void> {}
}
