/**
 * The document store conformance suite against PostgreSQL (`PG_URL`, by default the local
 * test database). Each run uses a schema of its own and drops it after. Without a reachable
 * database the suite is skipped locally but fails in CI (`CI=true`).
 */
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import pg from 'pg'
import { PostgresDocumentStore } from '../../src/documents/store/postgres.js'
import { documentStoreConformance } from './documents.js'

export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 })
  try {
    await client.connect()
    await client.end()
    return true
  } catch {
    return false
  }
}

if (await reachable()) {
  documentStoreConformance('postgres', async () => {
    const schema = `sb_test_${randomBytes(6).toString('hex')}`
    let store = await PostgresDocumentStore.open({ connectionString: PG_URL, schema })
    return {
      store,
      reopen: async () => {
        await store.close()
        store = await PostgresDocumentStore.open({ connectionString: PG_URL, schema })
        return store
      },
      cleanup: async () => {
        await store.dropSchema()
        await store.close()
      },
    }
  })
} else if (process.env.CI === 'true') {
  describe('document store port: postgres', () => {
    it('needs PostgreSQL in CI', () => {
      throw new Error(`PostgreSQL is not reachable at ${PG_URL}; CI must provide it`)
    })
  })
} else {
  describe('document store port: postgres', () => {
    it('runs against PostgreSQL', (t) => t.skip(`PostgreSQL not reachable at ${PG_URL}`))
  })
}
