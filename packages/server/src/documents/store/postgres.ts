/**
 * PostgreSQL document store (`pg`), for several nodes sharing one database. Each append is one
 * statement, so it is atomic and committed (durable) when it resolves; the per-document row of
 * `documents` serialises concurrent appends from different nodes.
 */
import pg from 'pg'
import type { DocumentStore, DocumentVersion, StoredDocument } from '../../ports/documents.js'
import { versionExists } from './memory.js'

export interface PostgresDocumentStoreOptions {
  /** A `postgres://` connection string. */
  connectionString: string
  /** Schema holding the tables; created when missing. @default "public" */
  schema?: string
  /** Connections in the pool. @default 10 */
  poolSize?: number
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export class PostgresDocumentStore implements DocumentStore {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  /** Connects, and creates the schema and tables when missing. */
  static async open(options: PostgresDocumentStoreOptions): Promise<PostgresDocumentStore> {
    const schema = options.schema ?? 'public'
    if (!SCHEMA_NAME.test(schema)) {
      throw new Error(`documents.postgres schema "${schema}" must match ${SCHEMA_NAME}`)
    }
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
    })
    pool.on('error', () => undefined)
    try {
      // Nodes starting together on a fresh database would race to create the schema (and
      // one would fail): the lock, held to the end of this batch's transaction, lines them up.
      await pool.query(`
        SELECT pg_advisory_xact_lock(hashtext('switchboard documents ${schema}'));
        CREATE SCHEMA IF NOT EXISTS ${schema};
        CREATE TABLE IF NOT EXISTS ${schema}.documents (
          name TEXT PRIMARY KEY,
          clock BIGINT NOT NULL,
          snapshot_clock BIGINT NOT NULL DEFAULT 0,
          snapshot BYTEA
        );
        CREATE TABLE IF NOT EXISTS ${schema}.document_updates (
          document TEXT NOT NULL,
          clock BIGINT NOT NULL,
          data BYTEA NOT NULL,
          PRIMARY KEY (document, clock)
        );
        CREATE TABLE IF NOT EXISTS ${schema}.document_versions (
          id BIGSERIAL,
          document TEXT NOT NULL,
          name TEXT NOT NULL,
          created_at BIGINT NOT NULL,
          data BYTEA NOT NULL,
          PRIMARY KEY (document, name)
        );
      `)
    } catch (error) {
      await pool.end()
      throw error
    }
    return new PostgresDocumentStore(pool, schema)
  }

  async append(document: string, update: Uint8Array): Promise<number> {
    const s = this.schema
    const result = await this.pool.query<{ clock: string }>(
      `WITH next AS (
         INSERT INTO ${s}.documents (name, clock) VALUES ($1, 1)
         ON CONFLICT (name) DO UPDATE SET clock = ${s}.documents.clock + 1
         RETURNING clock
       )
       INSERT INTO ${s}.document_updates (document, clock, data)
       SELECT $1, clock, $2 FROM next RETURNING clock`,
      [document, Buffer.from(update.buffer, update.byteOffset, update.byteLength)],
    )
    return Number(result.rows[0]!.clock)
  }

  async load(document: string): Promise<StoredDocument> {
    const s = this.schema
    // One snapshot-consistent read, so a compaction between two queries cannot lose updates.
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      const head = await client.query<{ clock: string; snapshot_clock: string; snapshot: Buffer }>(
        `SELECT clock, snapshot_clock, snapshot FROM ${s}.documents WHERE name = $1`,
        [document],
      )
      const row = head.rows[0]
      if (row === undefined) {
        await client.query('COMMIT')
        return { snapshot: undefined, snapshotClock: 0, updates: [], clock: 0 }
      }
      const updates = await client.query<{ data: Buffer }>(
        `SELECT data FROM ${s}.document_updates
         WHERE document = $1 AND clock > $2 ORDER BY clock`,
        [document, row.snapshot_clock],
      )
      await client.query('COMMIT')
      return {
        snapshot: row.snapshot ?? undefined,
        snapshotClock: Number(row.snapshot_clock),
        updates: updates.rows.map((u) => u.data),
        clock: Number(row.clock),
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    } finally {
      client.release()
    }
  }

  async compact(document: string, snapshot: Uint8Array, throughClock: number): Promise<void> {
    const s = this.schema
    await this.pool.query(
      `WITH moved AS (
         UPDATE ${s}.documents SET snapshot = $2, snapshot_clock = $3
         WHERE name = $1 AND snapshot_clock < $3 RETURNING name
       )
       DELETE FROM ${s}.document_updates
       WHERE document IN (SELECT name FROM moved) AND clock <= $3`,
      [document, Buffer.from(snapshot), throughClock],
    )
  }

  async createVersion(document: string, name: string, state: Uint8Array): Promise<DocumentVersion> {
    const createdAt = Date.now()
    const result = await this.pool.query(
      `INSERT INTO ${this.schema}.document_versions (document, name, created_at, data)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [document, name, createdAt, Buffer.from(state)],
    )
    if (result.rowCount === 0) throw versionExists(document, name)
    return { name, createdAt, bytes: state.length }
  }

  async listVersions(document: string): Promise<DocumentVersion[]> {
    const result = await this.pool.query<{ name: string; created_at: string; bytes: number }>(
      `SELECT name, created_at, octet_length(data) AS bytes
       FROM ${this.schema}.document_versions WHERE document = $1 ORDER BY id`,
      [document],
    )
    return result.rows.map((row) => ({
      name: row.name,
      createdAt: Number(row.created_at),
      bytes: row.bytes,
    }))
  }

  async readVersion(document: string, name: string): Promise<Uint8Array | undefined> {
    const result = await this.pool.query<{ data: Buffer }>(
      `SELECT data FROM ${this.schema}.document_versions WHERE document = $1 AND name = $2`,
      [document, name],
    )
    return result.rows[0]?.data
  }

  async close(): Promise<void> {
    await this.pool.end()
  }

  /** Drops the schema and everything in it; for tests that use a schema of their own. */
  async dropSchema(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`)
  }
}
