/**
 * A node holds one Redis subscription per channel however many local subscribers it has, and
 * drops it when the last one leaves; /readyz follows the node's Redis connection.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { REDIS_URL, deleteKeys, skipWithoutRedis, uniquePrefix } from '../helpers/redis.js'
import { apiGet, startServer, type TestServer } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'

describe('redis subscriptions of a node', { skip: skipWithoutRedis() }, () => {
  const prefix = uniquePrefix()
  let server: TestServer
  let redis: Redis

  before(async () => {
    server = await startServer({ broker: { type: 'redis', url: REDIS_URL, keyPrefix: prefix } })
    redis = new Redis(REDIS_URL)
  })
  after(async () => {
    await server?.stop()
    await deleteKeys(redis, prefix)
    redis.disconnect()
  })

  const subscriptions = async (channel: string) => {
    const reply = (await redis.call('PUBSUB', 'SHARDNUMSUB', `${prefix}{${channel}}:pub`)) as [
      string,
      number,
    ]
    return Number(reply[1])
  }

  it('subscribes once per channel and releases it with the last subscriber', async () => {
    const clients = await Promise.all([1, 2, 3].map(() => TestClient.connect(server.wsUrl)))
    for (const client of clients) await client.request({ action: 'subscribe', channel: 'shared' })
    assert.equal(await subscriptions('shared'), 1)

    clients[0]!.close()
    clients[1]!.close()
    await waitFor(
      async () => (await apiGet(`${server.url}/v1/channels`)).body.channels[0]?.subscribers === 1,
    )
    assert.equal(await subscriptions('shared'), 1)

    clients[2]!.close()
    await waitFor(async () => (await subscriptions('shared')) === 0, {
      message: 'the subscription to be released',
    })
    assert.equal((await apiGet(`${server.url}/readyz`)).status, 200)
  })
})
