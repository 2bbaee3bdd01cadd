/**
 * Plan limits on connections per user hold across nodes: two servers on one Redis count the
 * same user's connections together, and a node that stops frees its slots.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CloseCode } from '@switchboard/protocol'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { RedisConnectionCounter } from '../../src/counter/redis.js'
import { REDIS_URL, deleteKeys, skipWithoutRedis, uniquePrefix } from '../helpers/redis.js'
import { connectionCounterConformance } from '../conformance/connection-counter.js'
import { startServer, type TestServer } from '../helpers/server.js'
import { signedToken } from '../helpers/tokens.js'
import { TestClient } from '../helpers/ws-client.js'

const skip = skipWithoutRedis()

connectionCounterConformance(
  'redis',
  async () => {
    const prefix = uniquePrefix()
    const clients = [new Redis(REDIS_URL), new Redis(REDIS_URL)]
    const logger = pino({ level: 'silent' })
    const nodes = clients.map((c) => new RedisConnectionCounter(c, prefix, 30_000, logger)) as [
      RedisConnectionCounter,
      RedisConnectionCounter,
    ]
    return {
      nodes,
      cleanup: async () => {
        for (const node of nodes) await node.close()
        await deleteKeys(clients[0]!, prefix)
        for (const client of clients) client.disconnect()
      },
    }
  },
  { skip },
)

describe('connection slots of a node that stopped', { skip }, () => {
  it('expire once the node no longer refreshes them', async () => {
    const prefix = uniquePrefix()
    const clients = [new Redis(REDIS_URL), new Redis(REDIS_URL)]
    const logger = pino({ level: 'silent' })
    const [dying, survivor] = clients.map((c) => new RedisConnectionCounter(c, prefix, 300, logger))
    try {
      assert.equal(await dying!.acquire('ann', 'c1', 1), true)
      await dying!.close()
      assert.equal(await survivor!.acquire('ann', 'c2', 1), false, 'held while fresh')
      await new Promise((resolve) => setTimeout(resolve, 500))
      assert.equal(await survivor!.acquire('ann', 'c2', 1), true, 'freed after the expiry')
    } finally {
      await survivor!.close()
      await deleteKeys(clients[0]!, prefix)
      for (const client of clients) client.disconnect()
    }
  })
})

describe('connections per user across two nodes', { skip }, () => {
  const prefix = uniquePrefix()
  let nodes: TestServer[] = []

  before(async () => {
    const config = {
      broker: { type: 'redis', url: REDIS_URL, keyPrefix: prefix, presenceTtlMs: 3_000 },
      plans: { free: { maxConnectionsPerUser: 1 } },
      defaultPlan: 'free',
    }
    nodes = [await startServer(config), await startServer(config)]
  })
  after(async () => {
    for (const node of nodes) await node.stop()
    const redis = new Redis(REDIS_URL)
    await deleteKeys(redis, prefix)
    redis.disconnect()
  })

  it('refuses a second connection of a user on another node, and frees it on close', async () => {
    const token = await signedToken({ sub: 'ann' })
    const first = await TestClient.connect(`${nodes[0]!.wsUrl}?token=${token}`)
    assert.equal((await first.request({ action: 'ping' })).ok, true)

    const second = await TestClient.connect(`${nodes[1]!.wsUrl}?token=${token}`)
    assert.equal(await second.waitClosed(), CloseCode.TooManyConnections)

    first.close()
    await first.waitClosed()
    // The release reaches Redis right after the close: retry briefly.
    let third: TestClient | undefined
    for (let attempt = 0; attempt < 20 && third === undefined; attempt++) {
      const candidate = await TestClient.connect(`${nodes[1]!.wsUrl}?token=${token}`)
      const reply = await candidate.request({ action: 'ping' }).catch(() => undefined)
      if (reply?.ok === true) third = candidate
      else await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.ok(third !== undefined, 'the freed slot is taken on the other node')
    third.close()
  })
})
