/**
 * Rooms against a real server: one instance per room processing events one at a time, storage
 * and alarms that survive a restart, tags and broadcast, eviction and rebuild from storage.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startChild, startServer, type TestServer } from '../helpers/server.js'
import { tempDir } from '../helpers/tmp.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'
import { COUNTER, roomState } from './counter-room.js'

describe('rooms', () => {
  const dir = tempDir('switchboard-rooms-')
  let server: TestServer

  before(async () => {
    writeFileSync(join(dir.dir, 'counter.js'), COUNTER)
    server = await startServer({ rooms: { dir: dir.dir, idleEvictMs: 300 } })
  })
  after(async () => {
    await server.stop()
    dir.remove()
  })

  it('counts every increment of 50 concurrent clients exactly once', async () => {
    const clients = await Promise.all(
      Array.from({ length: 50 }, () =>
        TestClient.connect(`ws://127.0.0.1:${server.port}/rooms/counter/race`),
      ),
    )
    await Promise.all(clients.map((c) => c.waitFrame((f) => f.hello === 'race')))
    for (let round = 0; round < 20; round++) {
      for (const client of clients) client.send('{"op":"increment"}')
    }
    await waitFor(async () => (await roomState(server.url, 'race')).count === 1000, {
      timeoutMs: 20_000,
      message: '1,000 increments',
    })
    for (const client of clients) client.close()
  })

  it('broadcasts with exclusions and to tagged connections only', async () => {
    const url = `ws://127.0.0.1:${server.port}/rooms/counter/tags`
    const [a, b, c] = await Promise.all([
      TestClient.connect(url),
      TestClient.connect(url),
      TestClient.connect(url),
    ])
    for (const client of [a, b, c]) await client!.waitFrame((f) => f.hello === 'tags')
    b!.send(JSON.stringify({ op: 'tag', tag: 'red' }))
    a!.send(JSON.stringify({ op: 'shout' }))
    a!.send(JSON.stringify({ op: 'team' }))
    await b!.waitFrame((f) => f.team === true)
    await c!.waitFrame((f) => f.from !== undefined)
    assert.equal(a!.frames.filter((f) => f.from !== undefined).length, 0, 'the sender is excluded')
    assert.equal(
      c!.frames.filter((f) => f.team === true).length,
      0,
      'only red gets the team message',
    )
    for (const client of [a, b, c]) client!.close()
  })

  it('evicts an idle room and rebuilds it from storage', async () => {
    const client = await TestClient.connect(`ws://127.0.0.1:${server.port}/rooms/counter/evict`)
    client.send('{"op":"increment"}')
    await waitFor(async () => (await roomState(server.url, 'evict')).count === 1, {
      message: 'one',
    })
    const before = await roomState(server.url, 'evict')
    client.close()
    // Any request is an event that keeps the room alive: wait without touching it.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const after = await roomState(server.url, 'evict')
    assert.notEqual(after.instance, before.instance, 'a new instance after eviction')
    assert.equal(after.count, 1, 'storage outlives the instance')
  })

  it('refuses an unknown room type', async () => {
    const response = await fetch(`${server.url}/rooms/nothing/1/`)
    assert.equal(response.status, 404)
  })
})

describe('rooms across a restart', () => {
  it('keeps storage, and fires an alarm set before the restart after it', async () => {
    const dir = tempDir('switchboard-rooms-')
    const data = tempDir('switchboard-rooms-data-')
    writeFileSync(join(dir.dir, 'counter.js'), COUNTER)
    const config = { rooms: { dir: dir.dir }, auth: { anonymous: true } }
    const args = ['--host', '127.0.0.1', '--port', '0', '--data-dir', data.dir]
    let server = await startChild(args, {}, config)
    try {
      const client = await TestClient.connect(
        `${server.wsUrl.replace('/ws', '')}/rooms/counter/durable`,
      )
      for (let i = 0; i < 5; i++) client.send('{"op":"increment"}')
      await waitFor(async () => (await roomState(server.url, 'durable')).count === 5, {
        message: 'five',
      })
      const armed = await fetch(`${server.url}/rooms/counter/durable/alarm`, {
        method: 'POST',
        body: '1500',
      })
      assert.equal(armed.status, 202)
      await server.kill('SIGKILL')

      server = await startChild(args, {}, config)
      const state = await roomState(server.url, 'durable')
      assert.deepEqual([state.count, state.fired], [5, false])
      await waitFor(async () => (await roomState(server.url, 'durable')).fired === true, {
        timeoutMs: 5_000,
        message: 'the alarm after the restart',
      })
    } finally {
      await server.kill()
      dir.remove()
      data.remove()
    }
  })
})
