/**
 * The server with `documents.store: "postgres"`: edits from y-websocket providers are in
 * PostgreSQL and a new server process reads them back. Skipped locally without PostgreSQL,
 * failing in CI (`CI=true`).
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { PostgresDocumentStore } from '../../src/documents/store/postgres.js'
import { connectProvider, waitSynced, waitText } from '../helpers/documents.js'
import { PG_URL, postgresSkipReason, testSchema } from '../helpers/postgres.js'
import { startServer } from '../helpers/server.js'

describe('documents on PostgreSQL', { skip: await postgresSkipReason() }, () => {
  const schema = testSchema()
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
