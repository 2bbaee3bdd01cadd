/**
 * The document store conformance suite against PostgreSQL (`PG_URL`, by default the local
 * test database). Each run uses a schema of its own and drops it after. Without a reachable
 * database the suite is skipped locally but fails in CI (`CI=true`).
 */
import { describe, it } from 'node:test'
import { PostgresDocumentStore } from '../../src/documents/store/postgres.js'
import { PG_URL, postgresUp, uniqueSchema } from '../helpers/postgres.js'
import { documentStoreConformance } from './documents.js'

if (postgresUp) {
  documentStoreConformance('postgres', async () => {
    const schema = uniqueSchema()
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
