/**
 * Three Switchboard nodes in separate processes sharing one Redis behave to clients like one
 * node: subscribers on node A get what a WebSocket client publishes on node B and what node
 * C's HTTP API publishes, over WebSocket and SSE, in order; presence is the same from every
 * node; and a node that dies leaves presence within the documented TTL. Against standalone
 * Redis and a Redis Cluster started for the test.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { EventSource } from 'eventsource'
import { Redis } from 'ioredis'
import {
  API_KEY,
  JWT_SECRET,
  apiGet,
  apiPost,
  startChild,
  type ChildServer,
} from '../helpers/server.js'
import {
  REDIS_URL,
  deleteKeys,
  skipWithoutRedis,
  startCluster,
  uniquePrefix,
} from '../helpers/redis.js'
import { token } from '../helpers/tokens.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'

const PRESENCE_TTL_MS = 1_500

interface RedisUnderTest {
  broker: Record<string, unknown>
  cleanup(): Promise<void>
}

async function standalone(): Promise<RedisUnderTest> {
  const prefix = uniquePrefix()
  return {
    broker: { url: REDIS_URL, keyPrefix: prefix },
    cleanup: async () => {
      const redis = new Redis(REDIS_URL)
      await deleteKeys(redis, prefix)
      redis.disconnect()
    },
  }
}

async function cluster(): Promise<RedisUnderTest> {
  const started = await startCluster()
  return { broker: { cluster: { nodes: started.nodes } }, cleanup: () => started.stop() }
}

threeNodes('three nodes on one Redis', standalone)
threeNodes('three nodes on a 3-master Redis Cluster', cluster)

function threeNodes(name: string, redisUnderTest: () => Promise<RedisUnderTest>): void {
  describe(name, { skip: skipWithoutRedis() }, () => {
    const nodes: ChildServer[] = []
    const clients: TestClient[] = []
    let redis: RedisUnderTest | undefined

    before(async () => {
      redis = await redisUnderTest()
      const config = {
        apiKeys: [API_KEY],
        auth: { anonymous: true, jwtSecret: JWT_SECRET },
        channelDefaults: { public: true },
        namespaces: { room: { presence: true } },
        broker: { type: 'redis', presenceTtlMs: PRESENCE_TTL_MS, ...redis.broker },
      }
      const args = ['--host', '127.0.0.1', '--port', '0', '--memory']
      nodes.push(...(await Promise.all([1, 2, 3].map(() => startChild(args, {}, config)))))
    })

    after(async () => {
      for (const client of clients) client.close()
      await Promise.all(nodes.map((node) => node.kill('SIGKILL')))
      await redis?.cleanup()
    })

    it('fans publications from B (WebSocket) and C (HTTP API) out to A', async () => {
      const [a, b, c] = nodes as [ChildServer, ChildServer, ChildServer]
      const wsSubscriber = await TestClient.connect(a.wsUrl)
      clients.push(wsSubscriber)
      const subscribed = await wsSubscriber.request({ action: 'subscribe', channel: 'feed' })
      assert.equal(subscribed.offset, 0)

      const sse = new EventSource(`${a.url}/sse?channel=feed`)
      const sseData: unknown[] = []
      let sseReady = false
      sse.addEventListener('$subscribed', () => (sseReady = true))
      sse.addEventListener('message', (event) => sseData.push(JSON.parse(event.data)))
      await waitFor(() => sseReady, { message: 'the SSE subscription' })

      const publisher = await TestClient.connect(b.wsUrl)
      clients.push(publisher)
      for (let i = 1; i <= 50; i++) {
        if (i % 2 === 1) {
          const reply = await publisher.request({ action: 'publish', channel: 'feed', data: i })
          assert.equal(reply.offset, i)
        } else {
          const reply = await apiPost(`${c.url}/v1/publish`, { channel: 'feed', data: i })
          assert.equal(reply.body.offset, i)
        }
      }

      const expected = Array.from({ length: 50 }, (_, i) => i + 1)
      await waitFor(() => wsSubscriber.messages('feed').length >= 50 && sseData.length >= 50, {
        message: '50 publications on A',
      })
      const frames = wsSubscriber.messages('feed')
      assert.deepEqual(
        frames.map((f) => f.data),
        expected,
      )
      assert.deepEqual(
        frames.map((f) => f.offset),
        expected,
      )
      assert.equal(new Set(frames.map((f) => f.epoch)).size, 1)
      assert.deepEqual(sseData, expected)
      sse.close()
    })

    it('lists the same presence from every node, and drops a killed node’s members', async () => {
      const connectAs = async (node: ChildServer, user: string) => {
        const client = await TestClient.connect(`${node.wsUrl}?token=${await token(user)}`)
        clients.push(client)
        await client.request({ action: 'subscribe', channel: 'room:1' })
        return client
      }
      await connectAs(nodes[0]!, 'ann')
      await connectAs(nodes[1]!, 'bob')
      await connectAs(nodes[1]!, 'bob')
      const watcher = await connectAs(nodes[0]!, 'dan')
      await connectAs(nodes[2]!, 'cat')

      const lists = async (of = nodes) =>
        Promise.all(
          of.map(async (node) => {
            const reply = await apiGet(`${node.url}/v1/channels/room:1/presence`)
            return (reply.body.members as Array<{ id: string }>).map((m) => m.id).sort()
          }),
        )
      for (const list of await lists()) assert.deepEqual(list, ['ann', 'bob', 'cat', 'dan'])

      await waitFor(() => watcher.frames.some((f) => f.type === 'join' && f.member.id === 'cat'))

      // Node C dies without a word: its member is gone within the presence TTL, with a leave.
      const killedAt = Date.now()
      await nodes[2]!.kill('SIGKILL')
      await waitFor(() => watcher.frames.some((f) => f.type === 'leave' && f.member.id === 'cat'), {
        timeoutMs: PRESENCE_TTL_MS * 3,
        message: "cat's leave",
      })
      // The documented bound (the TTL and a refresh period), plus room for a loaded machine.
      assert.ok(Date.now() - killedAt <= PRESENCE_TTL_MS + PRESENCE_TTL_MS / 3 + 1_000)
      for (const list of await lists(nodes.slice(0, 2)))
        assert.deepEqual(list, ['ann', 'bob', 'dan'])
    })
  })
}
