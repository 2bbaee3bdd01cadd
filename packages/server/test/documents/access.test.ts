/**
 * Access per namespace: read-only clients cannot change a document but still share awareness;
 * clients without access are refused with a close code that stops y-websocket reconnecting.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as Y from 'yjs'
import {
  connectProvider,
  contentOf,
  postUpdate,
  waitSynced,
  type TestProvider,
} from '../helpers/documents.js'
import { startServer, type TestServer } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

describe('document access', () => {
  let server: TestServer
  const providers: TestProvider[] = []
  const open = (name: string) => {
    const provider = connectProvider(server.port, name)
    providers.push(provider)
    return provider
  }

  before(async () => {
    server = await startServer({
      namespaces: {
        published: { documents: 'read-only' },
        secret: { documents: 'none' },
        private: { public: false },
      },
    })
  })
  after(async () => {
    for (const provider of providers) provider.destroy()
    await server.stop()
  })

  it('read-only clients see the document but cannot change it', async () => {
    const seed = new Y.Doc()
    seed.getText('t').insert(0, 'the official text')
    await postUpdate(server, 'published:page', Y.encodeStateAsUpdate(seed))

    const reader = open('published:page')
    const other = open('published:page')
    await waitSynced(reader, other)
    assert.equal(reader.text.toString(), 'the official text')

    reader.text.insert(0, 'VANDALISED ')
    reader.provider.awareness.setLocalStateField('user', 'reader')
    await waitFor(
      () =>
        (other.provider.awareness.getStates().get(reader.doc.clientID) as any)?.user === 'reader',
      { message: "the reader's awareness at the other client" },
    )
    // The awareness message was sent after the edit on the same socket, so the server saw both.
    assert.equal(await contentOf(server, 'published:page'), 'the official text')
    assert.equal(other.text.toString(), 'the official text')

    const late = open('published:page')
    await waitSynced(late)
    assert.equal(late.text.toString(), 'the official text')
  })

  it('refuses clients without access with 4403, and y-websocket stops reconnecting', async () => {
    const refused = open('secret:plans')
    const closes: number[] = []
    refused.provider.on('connection-close', (event: any) => closes.push(event?.code))
    await waitFor(() => closes.length > 0, { message: 'the connection to close' })
    assert.equal(closes[0], 4403)
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.equal(closes.length, 1)
    assert.equal(refused.provider.shouldConnect, false)
  })

  it('refuses anonymous clients on a namespace that is not public', async () => {
    const anonymous = open('private:diary')
    const closes: number[] = []
    anonymous.provider.on('connection-close', (event: any) => closes.push(event?.code))
    await waitFor(() => closes.length > 0, { message: 'the connection to close' })
    assert.equal(closes[0], 4403)
  })
})
