/**
 * Credentials on `/docs`: a token that is not valid closes with 4401 (y-websocket stops), and a
 * valid token opens documents of namespaces closed to anonymous clients.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { connectProvider, waitSynced, type TestProvider } from '../helpers/documents.js'
import { startServer, type TestServer } from '../helpers/server.js'
import { signedToken, token } from '../helpers/tokens.js'
import { waitFor } from '../helpers/wait.js'

describe('document credentials', () => {
  let server: TestServer
  const providers: TestProvider[] = []

  before(async () => {
    server = await startServer({ namespaces: { team: { public: false } } })
  })
  after(async () => {
    for (const provider of providers) provider.destroy()
    await server.stop()
  })

  it('closes with 4401 on a token that is not valid', async () => {
    const forged = connectProvider(server.port, 'team:plan', { token: 'not-a-token' })
    providers.push(forged)
    const closes: number[] = []
    forged.provider.on('connection-close', (event: any) => closes.push(event?.code))
    await waitFor(() => closes.length > 0, { message: 'the connection to close' })
    assert.equal(closes[0], 4401)
    assert.equal(forged.provider.shouldConnect, false)
  })

  it('lets a user with a valid token edit a non-public namespace', async () => {
    const ada = connectProvider(server.port, 'team:plan', { token: await token('ada') })
    const bob = connectProvider(server.port, 'team:plan', { token: await token('bob') })
    providers.push(ada, bob)
    await waitSynced(ada, bob)
    ada.text.insert(0, 'agenda')
    await waitFor(() => bob.text.toString() === 'agenda', { message: "Ada's edit at Bob" })
  })

  it('narrows access to what the token grants: subscribe reads, publish edits', async () => {
    const editor = connectProvider(server.port, 'team:spec', {
      token: await signedToken({ sub: 'ed', channels: { 'team:*': ['subscribe', 'publish'] } }),
    })
    const reader = connectProvider(server.port, 'team:spec', {
      token: await signedToken({ sub: 'rita', channels: { 'team:*': ['subscribe'] } }),
    })
    providers.push(editor, reader)
    await waitSynced(editor, reader)
    editor.text.insert(0, 'draft')
    await waitFor(() => reader.text.toString() === 'draft', { message: 'the edit at the reader' })

    // The reader's own edit stays local: a client that joins later sees only the editor's.
    reader.text.insert(0, 'X')
    await new Promise((resolve) => setTimeout(resolve, 300))
    const late = connectProvider(server.port, 'team:spec', { token: await token('late') })
    providers.push(late)
    await waitSynced(late)
    assert.equal(late.text.toString(), 'draft')
    assert.equal(editor.text.toString(), 'draft')

    const outsider = connectProvider(server.port, 'team:spec', {
      token: await signedToken({ sub: 'oz', channels: { 'other:*': ['subscribe'] } }),
    })
    providers.push(outsider)
    const closes: number[] = []
    outsider.provider.on('connection-close', (event: any) => closes.push(event?.code))
    await waitFor(() => closes.length > 0, { message: 'the outsider to be refused' })
    assert.equal(closes[0], 4403)
  })
})
