/**
 * Tokens against a real server: the SDK sends its token as a subprotocol (never in the URL),
 * and renews a short-lived token with `refresh` so that one connection outlives many tokens.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { signedToken } from '../../server/test/helpers/tokens.js'
import { renewDelayMs, tokenExpiresAt, tokenProtocols } from '../src/token-refresh.js'
import { closeClients, nodeClient } from './helpers/client.js'
import { publishHttp, startServer, type TestServer } from './helpers/server.js'
import { waitFor } from './helpers/wait.js'

describe('token renewal', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ auth: { anonymous: false } })
  })
  afterEach(() => closeClients())
  after(() => server.stop())

  it('reads exp from a JWT and renews at 80% of its remaining life', async () => {
    const token = await signedToken({ exp: 2_000_000_000 })
    assert.equal(tokenExpiresAt(token), 2_000_000_000_000)
    assert.equal(tokenExpiresAt('opaque'), undefined)
    assert.equal(renewDelayMs(100_000, 0), 80_000)
    assert.equal(renewDelayMs(100, 0), 1_000, 'never sooner than a second')
    assert.deepEqual(tokenProtocols('a.b-c_d'), ['switchboard', 'token.a.b-c_d'])
    assert.equal(tokenProtocols('with space'), undefined)
  })

  it('keeps one connection and its subscription across several token lifetimes', async () => {
    let issued = 0
    const client = nodeClient(server.url, {
      getToken: () => {
        issued++
        return signedToken({ sub: 'ann', exp: Math.floor(Date.now() / 1000) + 2 })
      },
    })
    const states: string[] = []
    client.on('state', (state) => states.push(state))
    const received: number[] = []
    client.channel<number>('news').subscribe((m) => received.push(m.data))
    await waitFor(() => client.state === 'connected', 'connected')

    // Each token lives 2 s: without renewal the server would close the connection at 2 s.
    await new Promise((resolve) => setTimeout(resolve, 4_500))
    await publishHttp(server.url, 'news', 1)
    await waitFor(() => received.length === 1, 'the publication')
    assert.ok(issued >= 3, `${issued} tokens issued`)
    assert.deepEqual(states, ['connecting', 'connected'], 'never disconnected')
  })
})
