/**
 * The server with `documents.store: "postgres"`: edits from y-websocket providers are in
 * PostgreSQL and a new server process reads them back. Skipped locally without PostgreSQL,
 * failing in CI (`CI=true`).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { PostgresDocumentStore } from '../../src/documents/store/postgres.js'
import { connectProvider, waitSynced, waitText } from '../helpers/documents.js'
import { startServer } from '../helpers/server.js'

const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function skipReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 })
  try {
    await client.connect()
    await client.end()
    return undefined
  } catch {
    if (process.env.CI === 'true') return undefined // let the test fail below
    return `PostgreSQL not reachable at ${PG_URL}`
  }
}

describe('documents on PostgreSQL', { skip: await skipReason() }, () => {
  const schema = `sb_test_${randomBytes(6).toString('hex')}`
  const config = { documents: { store: 'postgres', postgresUrl: PG_URL, postgresSchema: schema } }

  after(async () => {
    const store = await PostgresDocumentStore.open({ connectionString: PG_URL, schema })
    await store.dropSchema()
    await store.close()
  })

  it('keeps edits in PostgreSQL across a server restart', async () => {
    let server = await startServer(config)
    const writer = connectProvider(server.port, 'pg:doc')
    await waitSynced(writer)
    writer.text.insert(0, 'stored in postgres')
    const observer = connectProvider(server.port, 'pg:doc')
    await waitText(observer, 'stored in postgres')
    writer.destroy()
    observer.destroy()
    await server.stop()

    server = await startServer(config)
    const reader = connectProvider(server.port, 'pg:doc')
    try {
      await waitSynced(reader)
      assert.equal(reader.text.toString(), 'stored in postgres')
    } finally {
      reader.destroy()
      await server.stop()
    }
  })
})
