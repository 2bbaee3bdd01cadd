/**
 * The unmodified y-websocket `WebsocketProvider` against `/docs/{name}`: text edits converge,
 * awareness states propagate and disappear when their connection closes.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  connectProvider,
  contentOf,
  waitSynced,
  waitText,
  type TestProvider,
} from '../helpers/documents.js'
import { startServer, type TestServer } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

describe('y-websocket providers on /docs', () => {
  let server: TestServer
  const providers: TestProvider[] = []
  const open = (name: string, params?: Record<string, string>) => {
    const provider = connectProvider(server.port, name, params)
    providers.push(provider)
    return provider
  }

  before(async () => {
    server = await startServer()
  })
  after(async () => {
    for (const provider of providers) provider.destroy()
    await server.stop()
  })

  it('two providers converge on concurrent text edits', async () => {
    const a = open('notes:converge')
    const b = open('notes:converge')
    await waitSynced(a, b)

    a.text.insert(0, 'hello')
    await waitText(b, 'hello')
    a.text.insert(5, ' world')
    b.text.insert(0, '>> ')
    await waitFor(() => a.text.toString() === b.text.toString() && a.text.length === 14)
    assert.equal(a.text.toString(), '>> hello world')
  })

  it('a provider that joins later receives the whole document', async () => {
    const a = open('notes:late')
    await waitSynced(a)
    a.text.insert(0, 'written before')
    await waitFor(async () => (await contentOf(server, 'notes:late')) === 'written before')

    const late = open('notes:late')
    await waitSynced(late)
    assert.equal(late.text.toString(), 'written before')
  })

  it('propagates awareness states and removes them when the connection closes', async () => {
    const a = open('notes:awareness')
    const b = open('notes:awareness')
    await waitSynced(a, b)

    a.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    const aId = a.doc.clientID
    await waitFor(() => (b.provider.awareness.getStates().get(aId) as any)?.user?.name === 'Ada', {
      message: "Ada's awareness state at b",
    })

    a.provider.disconnect()
    await waitFor(() => !b.provider.awareness.getStates().has(aId), {
      message: "Ada's awareness state to be removed at b",
    })
  })

  it('keeps documents apart', async () => {
    const a = open('notes:one')
    const b = open('notes:two')
    await waitSynced(a, b)
    a.text.insert(0, 'only in one')
    await waitFor(async () => (await contentOf(server, 'notes:one')) === 'only in one')
    assert.equal(b.text.toString(), '')
  })
})
