/** The WebSocket gateway end to end, as a bare browser WebSocket would use it. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CloseCode, ErrorCode } from '@switchboard/protocol'
import { apiPost, startServer, type TestServer } from '../helpers/server.js'
import { token } from '../helpers/tokens.js'
import { TestClient } from '../helpers/ws-client.js'

describe('websocket gateway', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({
      namespaces: {
        room: { presence: true },
        private: { public: false },
        feed: { clientPublish: false },
      },
      limits: { maxFrameBytes: 4096, maxMessageBytes: 1024, maxSubscriptionsPerConnection: 3 },
    })
  })
  after(() => server.stop())

  it('subscribes, receives publications from clients and the HTTP API, and unsubscribes', async () => {
    const alice = await TestClient.connect(server.wsUrl)
    const bob = await TestClient.connect(server.wsUrl)
    const reply = await alice.request({ action: 'subscribe', channel: 'chat' })
    assert.equal(reply.ok, true)
    assert.equal(reply.offset, 0)

    const published = await bob.request({
      action: 'publish',
      channel: 'chat',
      data: { text: 'hi' },
    })
    assert.equal(published.offset, 1)
    const http = await apiPost(`${server.url}/v1/publish`, {
      channel: 'chat',
      event: 'note',
      data: [1, 2],
    })
    assert.equal(http.status, 200)

    await alice.waitFrame((f) => f.type === 'message' && f.offset === 2)
    assert.deepEqual(alice.messages('chat'), [
      {
        type: 'message',
        channel: 'chat',
        event: 'message',
        data: { text: 'hi' },
        offset: 1,
        epoch: published.epoch,
      },
      {
        type: 'message',
        channel: 'chat',
        event: 'note',
        data: [1, 2],
        offset: 2,
        epoch: published.epoch,
      },
    ])

    assert.equal((await alice.request({ action: 'unsubscribe', channel: 'chat' })).ok, true)
    await bob.request({ action: 'publish', channel: 'chat', data: 'after' })
    assert.equal((await alice.request({ action: 'ping' })).ok, true)
    assert.equal(alice.messages('chat').length, 2, 'no delivery after unsubscribe')
    alice.close()
    bob.close()
  })

  it('answers each bad request with its code and keeps the connection working', async () => {
    const client = await TestClient.connect(server.wsUrl)
    client.send('{not json')
    assert.equal(
      (await client.waitFrame((f) => f.error !== undefined)).error.code,
      ErrorCode.InvalidJson,
    )

    const cases: Array<[object, string]> = [
      [{ action: 'dance' }, ErrorCode.UnknownAction],
      [{ action: 'subscribe', channel: 'bad name!?' }, ErrorCode.InvalidChannel],
      [{ action: 'subscribe', channel: 'x'.repeat(300) }, ErrorCode.InvalidChannel],
      [{ action: 'subscribe' }, ErrorCode.BadRequest],
      [
        { action: 'subscribe', channel: 'a', since: { offset: -1, epoch: 'e' } },
        ErrorCode.BadRequest,
      ],
      [{ action: 'publish', channel: 'chat' }, ErrorCode.BadRequest],
      [{ action: 'publish', channel: 'chat', data: 'x'.repeat(2000) }, ErrorCode.MessageTooLarge],
      [{ action: 'publish', channel: 'chat', event: '$system', data: 1 }, ErrorCode.InvalidEvent],
      [{ action: 'publish', channel: 'feed:news', data: 1 }, ErrorCode.Forbidden],
      [{ action: 'subscribe', channel: 'private:x' }, ErrorCode.Forbidden],
      [{ action: 'presence', channel: 'chat' }, ErrorCode.PresenceDisabled],
      [{ action: 'unsubscribe', channel: 'never' }, ErrorCode.NotSubscribed],
      [{ action: 'history', channel: 'chat', limit: 5000 }, ErrorCode.LimitExceeded],
    ]
    for (const [request, code] of cases) {
      const reply = await client.request(request)
      assert.equal(reply.error?.code, code, `${JSON.stringify(request).slice(0, 80)} → ${code}`)
      assert.equal(typeof reply.error.message, 'string')
    }

    for (const channel of ['a', 'b', 'c']) await client.request({ action: 'subscribe', channel })
    assert.equal(
      (await client.request({ action: 'subscribe', channel: 'a' })).error.code,
      ErrorCode.AlreadySubscribed,
    )
    assert.equal(
      (await client.request({ action: 'subscribe', channel: 'd' })).error.code,
      ErrorCode.TooManySubscriptions,
    )

    client.send(Buffer.from([1, 2, 3]))
    assert.equal(
      (await client.waitFrame((f) => f.error?.message?.includes('binary'))).error.code,
      ErrorCode.BadRequest,
    )
    assert.equal(
      (await client.request({ action: 'ping' })).ok,
      true,
      'still serving after bad input',
    )
    client.close()
  })

  it('closes a connection that sends an oversize frame with 1009, and keeps serving others', async () => {
    const client = await TestClient.connect(server.wsUrl)
    const other = await TestClient.connect(server.wsUrl)
    client.send(JSON.stringify({ action: 'publish', channel: 'chat', data: 'x'.repeat(8000) }))
    assert.equal(await client.waitClosed(), CloseCode.MessageTooBig)
    assert.equal((await other.request({ action: 'ping' })).ok, true)
    other.close()
  })

  it('refuses anonymous connections with 4500 when anonymous access is off', async () => {
    const strict = await startServer({ auth: { anonymous: false } })
    try {
      const anonymous = await TestClient.connect(strict.wsUrl)
      assert.equal(await anonymous.waitClosed(), CloseCode.Unauthorized)
      assert.equal(anonymous.closeReason, 'unauthorized')

      const forged = await TestClient.connect(`${strict.wsUrl}?token=not.a.jwt`)
      assert.equal(await forged.waitClosed(), CloseCode.Unauthorized)

      const user = await TestClient.connect(`${strict.wsUrl}?token=${await token('ann')}`)
      assert.equal((await user.request({ action: 'subscribe', channel: 'chat' })).ok, true)
      user.close()
    } finally {
      await strict.stop()
    }
  })

  it('keeps one presence member per user across connections, with join and leave pushes', async () => {
    const observer = await TestClient.connect(`${server.wsUrl}?token=${await token('observer')}`)
    await observer.request({ action: 'subscribe', channel: 'room:1' })

    const annToken = await token('ann', { name: 'Ann' })
    const tab1 = await TestClient.connect(`${server.wsUrl}?token=${annToken}`)
    const tab2 = await TestClient.connect(server.wsUrl, {
      headers: { Authorization: `Bearer ${annToken}` },
    })
    await tab1.request({ action: 'subscribe', channel: 'room:1' })
    await tab2.request({ action: 'subscribe', channel: 'room:1' })

    const join = await observer.waitFrame((f) => f.type === 'join' && f.member.id === 'ann')
    assert.deepEqual(join, {
      type: 'join',
      channel: 'room:1',
      member: { id: 'ann', info: { name: 'Ann' } },
    })
    const members = (await observer.request({ action: 'presence', channel: 'room:1' })).members
    assert.deepEqual(
      members.map((m: { id: string }) => m.id).sort(),
      ['ann', 'observer'],
      'two connections of ann are one member',
    )

    tab1.close()
    await tab1.waitClosed()
    assert.equal((await observer.request({ action: 'ping' })).ok, true)
    assert.equal(
      observer.frames.filter((f) => f.type === 'leave').length,
      0,
      'ann still has a tab open',
    )

    tab2.close()
    const leave = await observer.waitFrame((f) => f.type === 'leave')
    assert.equal(leave.member.id, 'ann')
    const after = (await observer.request({ action: 'presence', channel: 'room:1' })).members
    assert.deepEqual(
      after.map((m: { id: string }) => m.id),
      ['observer'],
    )
    observer.close()
  })

  it('does not deliver a publish twice when its idempotency key repeats', async () => {
    const client = await TestClient.connect(server.wsUrl)
    await client.request({ action: 'subscribe', channel: 'orders' })
    const first = await client.request({
      action: 'publish',
      channel: 'orders',
      data: 1,
      idempotencyKey: 'order-7',
    })
    const again = await client.request({
      action: 'publish',
      channel: 'orders',
      data: 1,
      idempotencyKey: 'order-7',
    })
    const viaHttp = await apiPost(`${server.url}/v1/publish`, {
      channel: 'orders',
      data: 1,
      idempotencyKey: 'order-7',
    })
    assert.equal(again.duplicate, true)
    assert.equal(again.offset, first.offset)
    assert.equal(viaHttp.body.duplicate, true)
    await client.request({ action: 'publish', channel: 'orders', data: 2 })
    await client.waitFrame((f) => f.type === 'message' && f.data === 2)
    assert.deepEqual(
      client.messages('orders').map((m) => m.data),
      [1, 2],
    )
    client.close()
  })
})
