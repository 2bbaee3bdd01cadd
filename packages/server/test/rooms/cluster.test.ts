/**
 * Rooms in a cluster of two nodes on Redis: a room runs on one node only, clients of the other
 * node are relayed to it, and HTTP requests reach it from either node.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CloseCode } from '@switchboard/protocol'
import { Redis } from 'ioredis'
import { startRedisPair, type TestServer } from '../helpers/server.js'
import { REDIS_URL, skipWithoutRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'
import { COUNTER, roomState } from './counter-room.js'

const LEASE_TTL_MS = 3_000

describe('rooms relayed between two nodes on Redis', { skip: skipWithoutRedis() }, () => {
  let pair: Awaited<ReturnType<typeof startRedisPair>> | undefined
  let prefix: string
  const dir = tempDir('switchboard-room-cluster-')
  const clients: TestClient[] = []
  let a: TestServer
  let b: TestServer

  before(async () => {
    writeFileSync(join(dir.dir, 'counter.js'), COUNTER)
    pair = await startRedisPair({ rooms: { dir: dir.dir, leaseTtlMs: LEASE_TTL_MS } })
    ;({ a, b, prefix } = pair)
  })

  after(async () => {
    for (const client of clients) client.close()
    await pair?.stop()
    dir.remove()
  })

  const enter = async (server: TestServer, room: string) => {
    const client = await TestClient.connect(`ws://127.0.0.1:${server.port}/rooms/counter/${room}`)
    clients.push(client)
    return client
  }

  it('runs one instance for clients of both nodes and counts every increment once', async () => {
    const joined = await Promise.all(
      Array.from({ length: 50 }, (_, i) => enter(i % 2 === 0 ? a : b, 'shared')),
    )
    await Promise.all(joined.map((c) => c.waitFrame((f) => f.hello === 'shared')))
    for (let round = 0; round < 20; round++) {
      for (const client of joined) client.send('{"op":"increment"}')
    }
    await waitFor(async () => (await roomState(a.url, 'shared')).count === 1_000, {
      timeoutMs: 20_000,
      message: '1,000 increments',
    })
    const [fromA, fromB] = [await roomState(a.url, 'shared'), await roomState(b.url, 'shared')]
    assert.equal(fromA.instance, fromB.instance, 'both nodes answer from one instance')
    assert.equal(fromB.connections, 50)
  })

  it('broadcasts to clients on both nodes, and tells the room when a relayed client leaves', async () => {
    const onA = await enter(a, 'talk')
    const onB = await enter(b, 'talk')
    const other = await enter(b, 'talk')
    for (const client of [onA, onB, other]) await client.waitFrame((f) => f.hello === 'talk')
    onA.send('{"op":"shout"}')
    const [heardB, heardOther] = await Promise.all([
      onB.waitFrame((f) => f.from !== undefined),
      other.waitFrame((f) => f.from !== undefined),
    ])
    assert.equal(heardB.from, heardOther.from)
    assert.equal(onA.frames.filter((f) => f.from !== undefined).length, 0)

    other.close()
    await waitFor(async () => (await roomState(a.url, 'talk')).connections === 2)
  })

  it('stops a room whose lease another node took, closing its clients with 4009', async () => {
    const local = await enter(a, 'stolen')
    const relayed = await enter(b, 'stolen')
    for (const client of [local, relayed]) await client.waitFrame((f) => f.hello === 'stolen')
    const redis = new Redis(REDIS_URL)
    try {
      const lease = `${prefix}{room:counter/stolen}:lease`
      const fence = await redis.incr(`${prefix}{room:counter/stolen}:fence`)
      await redis.set(lease, `another-node|${fence}`, 'PX', 60_000)
      assert.equal(await local.waitClosed(), CloseCode.RoomMoved)
      assert.equal(await relayed.waitClosed(), CloseCode.RoomMoved)

      await redis.del(lease)
      const back = await enter(b, 'stolen')
      await back.waitFrame((f) => f.hello === 'stolen')
    } finally {
      redis.disconnect()
    }
  })
})
