/**
 * Channel capabilities from the token's `channels` claim, plan rules, and token refresh on a
 * live connection, enforced alike on WebSocket, SSE and `/client/request`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CloseCode, ErrorCode } from '@switchboard/protocol'
import { apiPost, startServer, type TestServer } from '../helpers/server.js'
import { signedToken } from '../helpers/tokens.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'

const GRANTS = {
  'chat:*': ['subscribe', 'publish'],
  'user:{sub}': ['subscribe', 'presence', 'history'],
}

describe('channel capabilities', () => {
  let server: TestServer
  let client: TestClient

  before(async () => {
    server = await startServer({
      auth: { anonymous: false },
      namespaces: { user: { presence: true }, chat: { presence: true } },
    })
    client = await TestClient.connect(
      `${server.wsUrl}?token=${await signedToken({ sub: 'ann', channels: GRANTS })}`,
    )
  })
  after(async () => {
    client.close()
    await server.stop()
  })

  const code = async (request: Record<string, unknown>) => {
    const reply = await client.request(request)
    return reply.ok === true ? 'ok' : reply.error.code
  }

  it('allows what the patterns grant, with {sub} standing for the token user', async () => {
    assert.equal(await code({ action: 'subscribe', channel: 'chat:room-1' }), 'ok')
    assert.equal(await code({ action: 'publish', channel: 'chat:room-1', data: 1 }), 'ok')
    assert.equal(await code({ action: 'subscribe', channel: 'user:ann' }), 'ok')
    assert.equal(await code({ action: 'presence', channel: 'user:ann' }), 'ok')
    assert.equal(await code({ action: 'history', channel: 'user:ann' }), 'ok')
  })

  it('refuses subscribing or publishing outside the granted patterns', async () => {
    assert.equal(await code({ action: 'subscribe', channel: 'user:bob' }), ErrorCode.Forbidden)
    assert.equal(await code({ action: 'subscribe', channel: 'admin' }), ErrorCode.Forbidden)
    // `chat:*` does not reach a channel that merely starts with "chat".
    assert.equal(await code({ action: 'subscribe', channel: 'chatter' }), ErrorCode.Forbidden)
    const reply = await client.request({ action: 'publish', channel: 'user:ann', data: 1 })
    assert.equal(reply.error.code, ErrorCode.Forbidden)
    assert.match(reply.error.message, /does not grant publish on user:ann/)
  })

  it('refuses presence or history without the capability', async () => {
    // Presence is on for chat: only the missing capability refuses it.
    assert.equal(await code({ action: 'presence', channel: 'chat:room-1' }), ErrorCode.Forbidden)
    assert.equal(await code({ action: 'history', channel: 'chat:room-1' }), ErrorCode.Forbidden)
  })

  it('applies the same grants to SSE', async () => {
    const token = await signedToken({ sub: 'ann', channels: GRANTS })
    const refused = await fetch(`${server.url}/sse?channel=user:bob&token=${token}`)
    assert.equal(refused.status, 403)
    const allowed = await fetch(`${server.url}/sse?channel=user:ann&token=${token}`)
    assert.equal(allowed.status, 200)
    await allowed.body?.cancel()
  })

  it('applies the same grants to /client/request', async () => {
    const token = await signedToken({ sub: 'ann', channels: GRANTS })
    const publish = (channel: string) =>
      fetch(`${server.url}/client/request`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        body: JSON.stringify({ action: 'publish', channel, data: 1 }),
      })
    assert.equal((await publish('chat:x')).status, 200)
    assert.equal((await publish('user:bob')).status, 403)
  })
})

describe('token refresh', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ auth: { anonymous: false } })
  })
  after(() => server.stop())

  const expiringToken = (sub: string, seconds: number) =>
    signedToken({ sub, exp: Math.floor(Date.now() / 1000) + seconds })

  it('keeps a refreshed connection and its subscriptions past the first expiry', async () => {
    // Expiry is checked without the verification tolerance: exp is when the connection ends.
    const client = await TestClient.connect(
      `${server.wsUrl}?token=${await expiringToken('ann', 2)}`,
    )
    await client.request({ action: 'subscribe', channel: 'news' })
    const refreshed = await client.request({
      action: 'refresh',
      token: await expiringToken('ann', 60),
    })
    assert.equal(refreshed.user, 'ann')

    await new Promise((resolve) => setTimeout(resolve, 3_200))
    assert.equal(client.closeCode, undefined, 'still open after the first token expired')
    await apiPost(`${server.url}/v1/publish`, { channel: 'news', data: 'after expiry' })
    await waitFor(() => client.messages('news').length === 1, { message: 'the publication' })
    client.close()
  })

  it('closes a connection whose token expires unrefreshed, saying why', async () => {
    const client = await TestClient.connect(
      `${server.wsUrl}?token=${await expiringToken('bob', 1)}`,
    )
    assert.equal(await client.waitClosed(4_000), CloseCode.TokenExpired)
    assert.equal(client.closeReason, 'token_expired')
    const push = client.frames.find((f) => f.type === 'disconnect')
    assert.deepEqual([push?.code, push?.reconnect], ['token_expired', true])
  })

  it('ends the subscriptions a narrower refreshed token no longer grants', async () => {
    const wide = await signedToken({ sub: 'ann', channels: { '*': ['subscribe'] } })
    const client = await TestClient.connect(`${server.wsUrl}?token=${wide}`)
    await client.request({ action: 'subscribe', channel: 'team:a' })
    await client.request({ action: 'subscribe', channel: 'user:ann' })
    const narrow = await signedToken({ sub: 'ann', channels: { 'user:{sub}': ['subscribe'] } })
    const reply = await client.request({ action: 'refresh', token: narrow })
    assert.deepEqual(reply.revoked, ['team:a'])

    await apiPost(`${server.url}/v1/publish`, { channel: 'team:a', data: 'secret' })
    await apiPost(`${server.url}/v1/publish`, { channel: 'user:ann', data: 'mine' })
    await waitFor(() => client.messages('user:ann').length === 1, { message: 'own channel' })
    assert.equal(client.messages('team:a').length, 0)
    client.close()
  })

  it('refuses a refresh to another user, and a forged refresh token', async () => {
    const client = await TestClient.connect(
      `${server.wsUrl}?token=${await expiringToken('ann', 60)}`,
    )
    const other = await client.request({ action: 'refresh', token: await expiringToken('eve', 60) })
    assert.equal(other.error.code, ErrorCode.Forbidden)
    const forged = await client.request({
      action: 'refresh',
      token: await signedToken({ sub: 'ann' }, 'another-secret-0123456789-0123456789'),
    })
    assert.equal(forged.error.code, ErrorCode.Unauthorized)
    assert.equal((await client.request({ action: 'ping' })).ok, true, 'the connection stays')
    client.close()
  })
})
