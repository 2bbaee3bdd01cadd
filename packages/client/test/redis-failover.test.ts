/**
 * Switchboard nodes on one Redis, behind a load balancer without stickiness, with the real
 * SDK: a node killed with SIGKILL mid-stream, and Redis stopped and started again mid-stream.
 * Every client ends with every publication exactly once, in order; when Redis comes back
 * empty, clients are told (`reset`, i.e. `recovered: false`) instead of losing silently.
 */
import assert from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { RedisHistory } from '../../server/src/history/redis.js'
import { RedisKeys } from '../../server/src/redis/keys.js'
import { Balancer } from '../../server/test/helpers/balancer.js'
import {
  REDIS_URL,
  deleteKeys,
  skipWithoutRedis,
  startRedis,
  uniquePrefix,
  type RedisProcess,
} from '../../server/test/helpers/redis.js'
import type { Client } from '../src/index.js'
import { closeClients, nodeClient, recordNumbers } from './helpers/client.js'
import { API_KEY, connectionCount } from './helpers/server.js'
import { startChild, type ChildServer } from '../../server/test/helpers/server.js'
import { waitFor } from './helpers/wait.js'

const numbers = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)

function nodeConfig(redisUrl: string, prefix: string) {
  return {
    apiKeys: [API_KEY],
    auth: { anonymous: true },
    channelDefaults: { public: true, historySize: 10_000 },
    broker: { type: 'redis', url: redisUrl, keyPrefix: prefix },
  }
}

async function startNodes(count: number, redisUrl: string, prefix: string) {
  const args = ['--host', '127.0.0.1', '--port', '0', '--memory']
  const env = { SWITCHBOARD_LOG_LEVEL: 'error' }
  const config = nodeConfig(redisUrl, prefix)
  return Promise.all(Array.from({ length: count }, () => startChild(args, env, config)))
}

/**
 * Publishes `from..to` in batches over the HTTP API of the live nodes in turn. A batch that
 * fails (node gone, Redis down) is sent again with the same idempotency keys, elsewhere.
 */
async function publishNumbers(
  urls: () => string[],
  channel: string,
  from: number,
  to: number,
  onBatch: (last: number) => Promise<void> = async () => undefined,
) {
  let attempt = 0
  for (let start = from; start <= to; start += 100) {
    const batch = numbers(start, Math.min(to, start + 99)).map((n) => ({
      channel,
      data: n,
      idempotencyKey: `${channel}-${n}`,
    }))
    for (;;) {
      const live = urls()
      const url = live[attempt++ % live.length]!
      try {
        const response = await fetch(`${url}/v1/publish/batch`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ publications: batch }),
        })
        const body = (await response.json()) as { results?: Array<{ error?: unknown }> }
        if (response.ok && body.results?.every((r) => r.error === undefined)) break
      } catch {
        // The node died under the request: try the next one.
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await onBatch(batch.at(-1)!.data)
  }
}

/** A client subscribed to `channel`, recording data, resets and connection states. */
async function subscriber(url: string, channel: string) {
  const client: Client = nodeClient(url)
  return { client, ...(await recordNumbers(client, channel)) }
}

describe('nodes on Redis behind a load balancer', { skip: skipWithoutRedis() }, () => {
  const prefix = uniquePrefix()
  let nodes: ChildServer[] = []
  const alive = new Set<ChildServer>()
  const balancer = new Balancer(() => [...alive].map((node) => node.port))

  before(async () => {
    nodes = await startNodes(3, REDIS_URL, prefix)
    for (const node of nodes) alive.add(node)
    await balancer.start()
  })
  afterEach(closeClients)
  after(async () => {
    await balancer.stop()
    await Promise.all(nodes.map((node) => node.kill('SIGKILL')))
    const redis = new Redis(REDIS_URL)
    await deleteKeys(redis, prefix)
    redis.disconnect()
  })

  it('kill -9 of a node mid-stream: its clients move to survivors and miss nothing', async () => {
    const TOTAL = 10_000
    const channel = 'failover'
    const clients = await Promise.all(numbers(1, 6).map(() => subscriber(balancer.url, channel)))
    for (const node of nodes) {
      assert.ok((await connectionCount(node.url)) >= 1, 'clients are spread over every node')
    }

    const victim = nodes[0]!
    const victimClients = await connectionCount(victim.url)
    await publishNumbers(
      () => [...alive].map((node) => node.url),
      channel,
      1,
      TOTAL,
      async (last) => {
        if (last !== 3_000) return
        alive.delete(victim)
        await victim.kill('SIGKILL')
      },
    )

    await waitFor(
      () => clients.every((c) => c.received.length >= TOTAL),
      `${TOTAL} publications on every client`,
      60_000,
    )
    await Promise.all(clients.map((c) => c.numbered.history({ limit: 1 })))
    const expected = numbers(1, TOTAL)
    for (const c of clients) {
      assert.deepEqual(c.received, expected)
      assert.deepEqual(c.resets, [])
    }
    const moved = clients.filter((c) => c.states.includes('disconnected')).length
    assert.equal(moved, victimClients, 'every client of the killed node reconnected')
  })
})

describe('Redis stopped and started again mid-stream', { skip: skipWithoutRedis() }, () => {
  let redis: RedisProcess
  let nodes: ChildServer[] = []
  const prefix = uniquePrefix()
  const balancer = new Balancer(() => nodes.map((node) => node.port))

  before(async () => {
    redis = await startRedis({ persistent: true })
    nodes = await startNodes(2, redis.url, prefix)
    await balancer.start()
  })
  afterEach(closeClients)
  after(async () => {
    await balancer.stop()
    await Promise.all(nodes.map((node) => node.kill('SIGKILL')))
    await redis.remove()
  })

  /** Publishes 1..total, stopping Redis after `stopAt` and starting it after a pause. */
  async function streamThroughOutage(
    channel: string,
    total: number,
    stopAt: number,
    flush = false,
  ) {
    const urls = () => nodes.map((node) => node.url)
    await publishNumbers(urls, channel, 1, total, async (last) => {
      if (last !== stopAt) return
      await redis.stop('shutdown')
      await waitFor(
        async () => (await fetch(`${nodes[0]!.url}/readyz`)).status === 503,
        'a node to report not ready',
      )
      if (flush) {
        await redis.restart()
        const client = new Redis(redis.url)
        await client.flushall()
        client.disconnect()
      } else {
        // Up on a socket the nodes cannot reach: another node publishes while they reconnect.
        const socket = join(tmpdir(), `switchboard-redis-${process.pid}.sock`)
        await redis.restart(socket)
        const client = new Redis({ path: socket })
        await publishBehindNodesBack(client, channel, stopAt + 1, stopAt + 100)
        await client.quit()
        await redis.stop('shutdown')
        await redis.restart()
      }
      await waitFor(
        async () => (await fetch(`${nodes[0]!.url}/readyz`)).status === 200,
        'the node to be ready again',
        15_000,
      )
    })
  }

  /**
   * What a node that reconnected first publishes while these nodes are still reconnecting:
   * it reaches the stream and pub/sub, but not them; they must read it from history.
   */
  async function publishBehindNodesBack(client: Redis, channel: string, from: number, to: number) {
    const streams = new RedisHistory(client, new RedisKeys(prefix), { fanOut: { sharded: true } })
    for (const n of numbers(from, to)) {
      await streams.append(channel, 'message', String(n), {
        historySize: 10_000,
        historyTtlMs: 600_000,
        idempotencyKey: `${channel}-${n}`,
        idempotencyWindowMs: 300_000,
      })
    }
  }

  it('clients on every node recover with no loss when Redis keeps its data', async () => {
    const clients = await Promise.all(numbers(1, 4).map(() => subscriber(balancer.url, 'outage')))
    // The last 100 are published while the nodes are still reconnecting, and nothing follows:
    // only the nodes' resynchronisation after reconnecting can deliver them.
    await streamThroughOutage('outage', 900, 800)
    await waitFor(() => clients.every((c) => c.received.length >= 900), 'every publication')
    await Promise.all(clients.map((c) => c.numbered.history({ limit: 1 })))
    for (const c of clients) {
      assert.deepEqual(c.received, numbers(1, 900))
      assert.deepEqual(c.resets, [])
    }
  })

  it('clients are told they missed publications when Redis comes back empty', async () => {
    const clients = await Promise.all(numbers(1, 4).map(() => subscriber(balancer.url, 'flushed')))
    await streamThroughOutage('flushed', 1_000, 500, true)
    await waitFor(() => clients.every((c) => c.resets.length >= 1), 'a reset on every client')
    for (const c of clients) {
      assert.deepEqual(c.received.slice(0, 500), numbers(1, 500))
      assert.equal(c.resets[0]!.channel, 'flushed')
    }
  })
})
