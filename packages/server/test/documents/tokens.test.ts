/**
 * Credentials on `/docs`: a token that is not valid closes with 4401 (y-websocket stops), and a
 * valid token opens documents of namespaces closed to anonymous clients.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { connectProvider, waitSynced, type TestProvider } from '../helpers/documents.js'
import { startServer, type TestServer } from '../helpers/server.js'
import { token } from '../helpers/tokens.js'
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
})
