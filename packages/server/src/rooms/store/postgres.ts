/**
 * PostgreSQL room store (`pg`), for several nodes sharing one database. Each mutation is one
 * transaction that first raises the room's row in `room_fences` with `INSERT ... ON CONFLICT
 * DO UPDATE ... WHERE fence <= new`: that takes the row's lock, so concurrent mutations of a
 * room queue behind it, and the one that waited re-checks its fence against the committed row.
 * Two nodes therefore never both pass with a stale fence. Keys sort by code point (`COLLATE
 * "C"`), as in SQLite.
 */
import type pg from 'pg'
import { openPostgres, type PostgresStoreOptions } from '../../storage/postgres.js'
import type { RoomStore, RoomWrite } from '../../ports/room-store.js'
import { checkFence, roomFenced } from './fence.js'

export class PostgresRoomStore implements RoomStore {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  /** Connects, and creates the schema and tables when missing. */
  static async open(options: PostgresStoreOptions): Promise<PostgresRoomStore> {
    const { pool, schema } = await openPostgres(
      options,
      'rooms.postgresSchema',
      (schema) => `
      CREATE TABLE IF NOT EXISTS ${schema}.room_storage (
        room TEXT NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (room, key)
      );
      CREATE TABLE IF NOT EXISTS ${schema}.room_alarms (
        room TEXT PRIMARY KEY,
        at BIGINT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS room_alarms_at ON ${schema}.room_alarms (at);
      CREATE TABLE IF NOT EXISTS ${schema}.room_fences (
        room TEXT PRIMARY KEY,
        fence BIGINT NOT NULL
      );
    `,
    )
    return new PostgresRoomStore(pool, schema)
  }

  async get(room: string, key: string): Promise<string | undefined> {
    const result = await this.pool.query<{ value: string }>(
      `SELECT value FROM ${this.schema}.room_storage WHERE room = $1 AND key = $2`,
      [room, key],
    )
    return result.rows[0]?.value
  }

  async list(room: string, prefix: string, limit: number): Promise<Array<[string, string]>> {
    const table = `${this.schema}.room_storage`
    // `key >= prefix` with the prefix's upper bound keeps the primary key index in use.
    const result = await this.pool.query<{ key: string; value: string }>(
      prefix === ''
        ? `SELECT key, value FROM ${table} WHERE room = $1 ORDER BY key LIMIT $2`
        : `SELECT key, value FROM ${table} WHERE room = $1 AND key >= $3 AND key < $4
           ORDER BY key LIMIT $2`,
      prefix === '' ? [room, limit] : [room, limit, prefix, `${prefix}\u{10ffff}`],
    )
    return result.rows.map((row) => [row.key, row.value])
  }

  async write(room: string, write: RoomWrite, fence: number): Promise<void> {
    const s = this.schema
    // One row per key (the last put wins), as ON CONFLICT may touch a row once per statement.
    const puts = new Map(write.puts)
    await this.fenced(room, fence, async (client) => {
      if (write.deletes.length > 0) {
        await client.query(`DELETE FROM ${s}.room_storage WHERE room = $1 AND key = ANY($2)`, [
          room,
          write.deletes,
        ])
      }
      if (puts.size > 0) {
        await client.query(
          `INSERT INTO ${s}.room_storage (room, key, value)
           SELECT $1, key, value FROM unnest($2::text[], $3::text[]) AS put (key, value)
           ON CONFLICT (room, key) DO UPDATE SET value = EXCLUDED.value`,
          [room, [...puts.keys()], [...puts.values()]],
        )
      }
    })
  }

  async deleteAll(room: string, fence: number): Promise<void> {
    await this.fenced(room, fence, async (client) => {
      await client.query(`DELETE FROM ${this.schema}.room_storage WHERE room = $1`, [room])
      await client.query(`DELETE FROM ${this.schema}.room_alarms WHERE room = $1`, [room])
    })
  }

  async setAlarm(room: string, atMs: number, fence: number): Promise<void> {
    await this.fenced(room, fence, async (client) => {
      await client.query(
        `INSERT INTO ${this.schema}.room_alarms (room, at) VALUES ($1, $2)
         ON CONFLICT (room) DO UPDATE SET at = EXCLUDED.at`,
        [room, atMs],
      )
    })
  }

  async getAlarm(room: string): Promise<number | undefined> {
    const result = await this.pool.query<{ at: string }>(
      `SELECT at FROM ${this.schema}.room_alarms WHERE room = $1`,
      [room],
    )
    const at = result.rows[0]?.at
    return at === undefined ? undefined : Number(at)
  }

  async deleteAlarm(room: string, fence: number): Promise<void> {
    await this.fenced(room, fence, async (client) => {
      await client.query(`DELETE FROM ${this.schema}.room_alarms WHERE room = $1`, [room])
    })
  }

  async dueAlarms(nowMs: number, limit: number): Promise<Array<{ room: string; atMs: number }>> {
    const result = await this.pool.query<{ room: string; at: string }>(
      `SELECT room, at FROM ${this.schema}.room_alarms WHERE at <= $1 ORDER BY at, room LIMIT $2`,
      [nowMs, limit],
    )
    return result.rows.map((row) => ({ room: row.room, atMs: Number(row.at) }))
  }

  async close(): Promise<void> {
    await this.pool.end()
  }

  /** Drops the schema and everything in it; for tests that use a schema of their own. */
  async dropSchema(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`)
  }

  /**
   * Runs `mutate` in a transaction that first raises the room's fence, holding its row lock
   * until commit; rolls back with `room_fenced` when the fence is below the room's highest.
   */
  private async fenced(
    room: string,
    fence: number,
    mutate: (client: pg.PoolClient) => Promise<void>,
  ): Promise<void> {
    checkFence(fence)
    const s = this.schema
    const client = await this.pool.connect()
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      // When the WHERE fails the conflicting row is still locked, so the read below is exact.
      const raised = await client.query(
        `INSERT INTO ${s}.room_fences (room, fence) VALUES ($1, $2)
         ON CONFLICT (room) DO UPDATE SET fence = EXCLUDED.fence
         WHERE ${s}.room_fences.fence <= EXCLUDED.fence`,
        [room, fence],
      )
      if (raised.rowCount === 0) {
        const highest = await client.query<{ fence: string }>(
          `SELECT fence FROM ${s}.room_fences WHERE room = $1`,
          [room],
        )
        throw roomFenced(room, fence, Number(highest.rows[0]?.fence))
      }
      await mutate(client)
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError
      })
      throw error
    } finally {
      // A connection that could not roll back is discarded rather than reused mid-transaction.
      client.release(broken)
    }
  }
}
