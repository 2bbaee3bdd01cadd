/** The HTTP API: authentication, publishing, channels, history and presence. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ErrorCode } from '@switchboard/protocol'
import { API_KEY, apiGet, apiPost, startServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

describe('http api', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({
      namespaces: { room: { presence: true } },
      limits: { maxHttpBodyBytes: 2048, maxMessageBytes: 512, maxBatchSize: 3 },
    })
  })
  after(() => server.stop())

  it('publishes with a valid key and refuses a missing or wrong key with 401', async () => {
    const good = await apiPost(`${server.url}/v1/publish`, {
      channel: 'prices',
      event: 'priceUpdate',
      data: { AAPL: 231.4 },
    })
    assert.equal(good.status, 200)
    assert.equal(good.body.offset, 1)
    assert.equal(typeof good.body.epoch, 'string')

    for (const key of [null, 'wrong-key', `${API_KEY}x`]) {
      const refused = await apiPost(`${server.url}/v1/publish`, { channel: 'prices', data: 1 }, key)
      assert.equal(refused.status, 401)
      assert.equal(refused.body.error.code, ErrorCode.Unauthorized)
    }
    const history = await apiGet(`${server.url}/v1/channels/prices/history`)
    assert.equal(history.body.publications.length, 1, 'refused publishes were not stored')
  })

  it('answers bad bodies with 400 or 413 and a code', async () => {
    const cases: Array<[unknown, number, string]> = [
      ['{"channel":', 400, ErrorCode.InvalidJson],
      [[1, 2], 400, ErrorCode.BadRequest],
      [{ data: 1 }, 400, ErrorCode.BadRequest],
      [{ channel: 'a' }, 400, ErrorCode.BadRequest],
      [{ channel: 'no spaces', data: 1 }, 400, ErrorCode.InvalidChannel],
      [{ channel: 'a', data: 1, event: 7 }, 400, ErrorCode.BadRequest],
      [{ channel: 'a', data: 1, idempotencyKey: '' }, 400, ErrorCode.BadRequest],
      [{ channel: 'a', data: 'x'.repeat(600) }, 413, ErrorCode.MessageTooLarge],
      [{ channel: 'a', data: 'x'.repeat(5000) }, 413, ErrorCode.PayloadTooLarge],
    ]
    for (const [body, status, code] of cases) {
      const reply = await apiPost(`${server.url}/v1/publish`, body)
      assert.equal(reply.status, status, JSON.stringify(body).slice(0, 60))
      assert.equal(reply.body.error.code, code, JSON.stringify(body).slice(0, 60))
    }
    assert.equal((await apiGet(`${server.url}/v1/nothing`)).status, 404)
    assert.equal(
      (await apiGet(`${server.url}/v1/publish`)).body.error.code,
      ErrorCode.MethodNotAllowed,
    )
    assert.equal((await apiGet(`${server.url}/healthz`)).status, 200, 'still serving')
  })

  it('publishes a batch in order, reporting each item on its own', async () => {
    const batch = await apiPost(`${server.url}/v1/publish/batch`, {
      publications: [
        { channel: 'batch', data: 1 },
        { channel: 'bad name', data: 2 },
        { channel: 'batch', data: 3 },
      ],
    })
    assert.equal(batch.status, 200)
    assert.deepEqual(
      batch.body.results.map((r: any) => r.offset ?? r.error.code),
      [1, ErrorCode.InvalidChannel, 2],
    )

    const tooMany = await apiPost(`${server.url}/v1/publish/batch`, {
      publications: [1, 2, 3, 4].map((data) => ({ channel: 'batch', data })),
    })
    assert.equal(tooMany.body.error.code, ErrorCode.LimitExceeded)
  })

  it('lists active channels, history since a position, and presence', async () => {
    const client = await TestClient.connect(server.wsUrl)
    await client.request({ action: 'subscribe', channel: 'room:lobby' })
    for (let i = 1; i <= 5; i++)
      await apiPost(`${server.url}/v1/publish`, { channel: 'room:lobby', data: i })

    const channels = await apiGet(`${server.url}/v1/channels`)
    assert.deepEqual(
      channels.body.channels.find((c: any) => c.channel === 'room:lobby'),
      { channel: 'room:lobby', subscribers: 1 },
    )

    const all = await apiGet(`${server.url}/v1/channels/room:lobby/history`)
    const { epoch } = all.body
    const since = await apiGet(
      `${server.url}/v1/channels/room%3Alobby/history?since=3&epoch=${epoch}&limit=1`,
    )
    assert.deepEqual(since.body.publications, [{ offset: 4, event: 'message', data: 4 }])
    const stale = await apiGet(`${server.url}/v1/channels/room:lobby/history?since=3&epoch=other`)
    assert.equal(stale.status, 409)
    assert.equal(stale.body.error.code, ErrorCode.UnrecoverablePosition)
    const noEpoch = await apiGet(`${server.url}/v1/channels/room:lobby/history?since=3`)
    assert.equal(noEpoch.body.error.code, ErrorCode.BadRequest)

    const presence = await apiGet(`${server.url}/v1/channels/room:lobby/presence`)
    assert.equal(presence.body.members.length, 1)
    assert.equal((await apiGet(`${server.url}/v1/channels/chat/presence`)).status, 403)
    client.close()
  })

  it('serves health, readiness and Prometheus metrics', async () => {
    assert.equal((await apiGet(`${server.url}/readyz`, null)).status, 200)
    const metrics = await apiGet(`${server.url}/metrics`, null)
    for (const name of [
      'switchboard_connections',
      'switchboard_subscriptions',
      'switchboard_publications_total',
      'switchboard_deliveries_total',
      'switchboard_sent_bytes_total',
      'switchboard_slow_consumer_disconnects_total',
      'switchboard_publish_write_seconds_bucket',
    ]) {
      assert.match(metrics.body, new RegExp(`^${name}`, 'm'), name)
    }
    assert.match(metrics.body, /switchboard_publications_total\{source="api"\} [1-9]/)
  })

  it('accepts client requests over plain HTTP, but not subscriptions', async () => {
    const post = (body: unknown) =>
      fetch(`${server.url}/client/request`, { method: 'POST', body: JSON.stringify(body) }).then(
        async (r) => ({
          status: r.status,
          body: await r.json(),
        }),
      )
    const published = await post({ id: 9, action: 'publish', channel: 'fallback', data: 'x' })
    assert.equal(published.status, 200)
    assert.deepEqual([published.body.id, published.body.ok, published.body.offset], [9, true, 1])
    const subscribe = await post({ action: 'subscribe', channel: 'fallback' })
    assert.equal(subscribe.body.error.code, ErrorCode.BadRequest)
    assert.equal((await post({ action: 'fly' })).body.error.code, ErrorCode.UnknownAction)
  })
})
