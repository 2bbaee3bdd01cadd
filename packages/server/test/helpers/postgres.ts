/**
 * The PostgreSQL that integration tests use (`PG_URL`, by default the local test database),
 * and whether it answers. Tests give each run a schema of their own and drop it after.
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

/** Why a PostgreSQL test is skipped: never in CI (`CI=true`), where it must fail instead. */
export async function postgresSkipReason(): Promise<string | undefined> {
  if ((await postgresReachable()) || process.env.CI === 'true') return undefined
  return `PostgreSQL not reachable at ${PG_URL}`
}

/** A fresh schema name for one test run. */
export function testSchema(): string {
  return `sb_test_${randomBytes(6).toString('hex')}`
}
