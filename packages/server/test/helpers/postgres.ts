/**
 * PostgreSQL for tests: the database at `PG_URL` (by default the local `test` database, trust
 * auth), a schema of its own per test run, dropped after. Without PostgreSQL the tests are
 * skipped, except in CI, where they run and fail.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 })
  try {
    await client.connect()
    await client.end()
    return true
  } catch {
    return false
  }
}

export const postgresUp = await postgresReachable()

/**
 * The `skip` option of a suite that needs PostgreSQL: a reason when it is missing outside CI,
 * false otherwise (in CI the suite runs and fails on the missing database).
 */
export function skipWithoutPostgres(): string | false {
  if (postgresUp || process.env.CI === 'true') return false
  return `PostgreSQL not reachable at ${PG_URL} (in CI this fails instead)`
}

/** A schema name no other test run uses. */
export function uniqueSchema(): string {
  return `sb_test_${randomBytes(6).toString('hex')}`
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  } finally {
    await client.end()
  }
}
