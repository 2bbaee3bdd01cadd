/**
 * A room's node dies: two node processes share Redis (leases, relay) and PostgreSQL (room
 * storage). Killing the room's node with SIGKILL closes its relayed clients with 4009; once its
 * lease expires the other node runs the room from storage, with every increment made before
 * the kill, and fires the alarm the dead node had set.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CloseCode } from '@switchboard/protocol'
import { Redis } from 'ioredis'
import { PG_URL, dropSchema, skipWithoutPostgres, uniqueSchema } from '../helpers/postgres.js'
import { startChild, type ChildServer } from '../helpers/server.js'
import { REDIS_URL, deleteKeys, skipWithoutRedis, uniquePrefix } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'
import { COUNTER, roomState } from './counter-room.js'

const LEASE_TTL_MS = 2_000

describe(
  'a room moves when its node dies',
  { skip: skipWithoutRedis() || skipWithoutPostgres() },
  () => {
    const prefix = uniquePrefix()
    const schema = uniqueSchema()
    const dir = tempDir('switchboard-room-failover-')
    const clients: TestClient[] = []
    const nodes: ChildServer[] = []

    before(async () => {
      writeFileSync(join(dir.dir, 'counter.js'), COUNTER)
      const config = {
        broker: { type: 'redis', url: REDIS_URL, keyPrefix: prefix },
        rooms: {
          dir: dir.dir,
          store: 'postgres',
          postgresUrl: PG_URL,
          postgresSchema: schema,
          leaseTtlMs: LEASE_TTL_MS,
        },
        auth: { anonymous: true },
      }
      const args = ['--host', '127.0.0.1', '--port', '0', '--memory']
      nodes.push(await startChild(args, {}, config), await startChild(args, {}, config))
    })

    after(async () => {
      for (const client of clients) client.close()
      await Promise.all(nodes.map((node) => node.kill('SIGKILL')))
      const redis = new Redis(REDIS_URL)
      await deleteKeys(redis, prefix)
      redis.disconnect()
      await dropSchema(schema)
      dir.remove()
    })

    const enter = async (node: ChildServer) => {
      const client = await TestClient.connect(`ws://127.0.0.1:${node.port}/rooms/counter/match`)
      clients.push(client)
      await client.waitFrame((f) => f.hello === 'match')
      return client
    }
    /** Joins as a client does after 4009: again, with a pause, until the room answers. */
    const reenter = async (node: ChildServer) => {
      const deadline = Date.now() + 10_000
      for (;;) {
        try {
          return await enter(node)
        } catch (error) {
          if (Date.now() > deadline) throw error
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
    }
    const increment = (client: TestClient, times: number) => {
      for (let i = 0; i < times; i++) client.send('{"op":"increment"}')
    }

    it('runs the room on the surviving node with its storage and alarm', async () => {
      const [first, second] = nodes as [ChildServer, ChildServer]
      const local = await enter(first)
      const relayed = await enter(second)
      increment(local, 30)
      increment(relayed, 30)
      await waitFor(async () => (await roomState(second.url, 'match')).count === 60, {
        message: '60 increments on the first node',
      })
      const before = await roomState(second.url, 'match')
      const armed = await fetch(`${second.url}/rooms/counter/match/alarm`, {
        method: 'POST',
        body: '2500',
      })
      assert.equal(armed.status, 202)

      await first.kill('SIGKILL')
      assert.equal(await relayed.waitClosed(), CloseCode.RoomMoved)

      const again = [await reenter(second), await reenter(second)]
      const moved = await roomState(second.url, 'match')
      assert.notEqual(moved.instance, before.instance, 'a new instance, on the survivor')
      assert.equal(moved.count, 60, 'every increment made before the kill is in storage')
      for (const client of again) increment(client, 10)
      await waitFor(async () => (await roomState(second.url, 'match')).count === 80)
      await waitFor(async () => (await roomState(second.url, 'match')).fired === true, {
        timeoutMs: 10_000,
        message: 'the alarm set on the dead node fires on the survivor',
      })
    })
  },
)
