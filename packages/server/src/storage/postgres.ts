/**
 * The PostgreSQL pool behind the stores that nodes share (documents, rooms): checks the schema
 * name, connects, and creates the schema and tables when missing.
 */
import pg from 'pg'

export interface PostgresStoreOptions {
  /** A `postgres://` connection string. */
  connectionString: string
  /** Schema holding the tables; created when missing. @default "public" */
  schema?: string
  /** Connections in the pool. @default 10 */
  poolSize?: number
}

/** A schema name that needs no quoting, so it can sit in SQL text. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/
/** Key of the advisory lock that serialises table creation by nodes starting together. */
const SCHEMA_LOCK = 0x5357_524f_4f4d

/**
 * Opens a pool and runs `ddl(schema)` (statements with `IF NOT EXISTS`) in one transaction
 * under an advisory lock: concurrent `CREATE ... IF NOT EXISTS` of one table can otherwise fail
 * with a unique violation when nodes start together. `setting` names the option at fault in
 * errors.
 */
export async function openPostgres(
  options: PostgresStoreOptions,
  setting: string,
  ddl: (schema: string) => string,
): Promise<{ pool: pg.Pool; schema: string }> {
  const schema = options.schema ?? 'public'
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`${setting} "${schema}" must match ${SCHEMA_NAME}`)
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
  })
  // Idle clients that lose their connection emit here; the next query reports the failure.
  pool.on('error', () => undefined)
  try {
    await pool.query(`
      BEGIN;
      SELECT pg_advisory_xact_lock(${SCHEMA_LOCK});
      CREATE SCHEMA IF NOT EXISTS ${schema};
      ${ddl(schema)}
      COMMIT;
    `)
  } catch (error) {
    await pool.end()
    throw error
  }
  return { pool, schema }
}
