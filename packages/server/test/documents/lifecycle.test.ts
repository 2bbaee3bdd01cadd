/**
 * A document's life on the server: updates are compacted into a snapshot after
 * `compactAfterUpdates` appends, the document leaves memory `unloadGraceMs` after its last
 * client, and it comes back whole.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SqliteDocumentStore } from '../../src/documents/store/sqlite.js'
import { openDatabase } from '../../src/storage/sqlite.js'
import { connectProvider, contentOf, waitSynced } from '../helpers/documents.js'
import { apiGet, startServer, type TestServer } from '../helpers/server.js'
import { tempDir } from '../helpers/tmp.js'
import { waitFor } from '../helpers/wait.js'

async function openDocuments(server: TestServer): Promise<number> {
  const { body } = await apiGet(`${server.url}/metrics`)
  return Number(/^switchboard_documents_open (\d+)$/m.exec(body)?.[1])
}

describe('document lifecycle', () => {
  const tmp = tempDir()
  let server: TestServer

  before(async () => {
    server = await startServer({
      storage: 'sqlite',
      dataDir: tmp.dir,
      documents: { compactAfterUpdates: 10, compactIdleMs: 300, unloadGraceMs: 200 },
    })
  })
  after(async () => {
    await server.stop()
    tmp.remove()
  })

  it('compacts, releases memory after the grace period, and reloads whole', async () => {
    const editor = connectProvider(server.port, 'life:doc')
    await waitSynced(editor)
    for (let i = 0; i < 25; i++) editor.text.insert(editor.text.length, String(i % 10))
    await waitFor(async () => (await contentOf(server, 'life:doc')) === editor.text.toString())
    assert.equal(await openDocuments(server), 1)

    // Read the store beside the server (SQLite in WAL mode allows a second connection).
    const db = openDatabase(tmp.dir)
    const stored = await new SqliteDocumentStore(db).load('life:doc')
    db.close()
    assert.ok(stored.snapshot !== undefined, 'a snapshot was written')
    assert.ok(stored.snapshotClock >= 20, `snapshot through clock ${stored.snapshotClock}`)
    assert.ok(stored.updates.length < 10, `${stored.updates.length} updates after the snapshot`)

    const expected = editor.text.toString()
    editor.destroy()
    await waitFor(async () => (await openDocuments(server)) === 0, {
      message: 'the document to leave memory',
    })

    const again = connectProvider(server.port, 'life:doc')
    await waitSynced(again)
    assert.equal(again.text.toString(), expected)
    again.destroy()
  })

  it('compacts a document that stopped changing, with its editor still there', async () => {
    const editor = connectProvider(server.port, 'life:idle')
    await waitSynced(editor)
    editor.text.insert(0, 'abc')
    editor.text.insert(3, 'def')
    await waitFor(async () => (await contentOf(server, 'life:idle')) === 'abcdef')

    await waitFor(
      async () => {
        const db = openDatabase(tmp.dir)
        const stored = await new SqliteDocumentStore(db).load('life:idle')
        db.close()
        return stored.snapshotClock === 2 && stored.updates.length === 0
      },
      { message: 'an idle compaction through clock 2' },
    )
    editor.destroy()
  })
})
