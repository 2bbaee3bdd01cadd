/**
 * The server with `documents.store: "postgres"`: edits from y-websocket providers are in
 * PostgreSQL and a new server process reads them back; nodes starting together on a fresh
 * database all open it. Skipped locally without PostgreSQL, failing in CI (`CI=true`).
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { PostgresDocumentStore } from '../../src/documents/store/postgres.js'
import { connectProvider, waitSynced, waitText } from '../helpers/documents.js'
import { PG_URL, dropSchema, skipWithoutPostgres, uniqueSchema } from '../helpers/postgres.js'
import { startServer } from '../helpers/server.js'

describe('documents on PostgreSQL', { skip: skipWithoutPostgres() }, () => {
  const schema = uniqueSchema()
  const config = { documents: { store: 'postgres', postgresUrl: PG_URL, postgresSchema: schema } }

  after(() => dropSchema(schema))

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

  it('opens on a fresh database when several nodes start at once', async () => {
    const fresh = uniqueSchema()
    try {
      const opened = await Promise.allSettled(
        [1, 2, 3, 4].map(() =>
          PostgresDocumentStore.open({ connectionString: PG_URL, schema: fresh }),
        ),
      )
      for (const store of opened) if (store.status === 'fulfilled') await store.value.close()
      assert.deepEqual(
        opened.map((store) => store.status),
        ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'],
      )
    } finally {
      await dropSchema(fresh)
    }
  })
})
