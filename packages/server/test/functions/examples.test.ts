/** The examples' functions and rooms, run as the examples run them, against a real server. */
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { startServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

const examples = fileURLToPath(new URL('../../../../examples/', import.meta.url))

describe('examples', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({
      functions: { dir: `${examples}chat/functions` },
      rooms: { dir: `${examples}multiplayer/rooms` },
    })
  })
  after(() => server.stop())

  it('chat: a name is required, joining greets, messages reach the room', async () => {
    const nameless = await TestClient.connect(server.wsUrl)
    assert.equal(await nameless.waitClosed(), 4400)

    const ann = await TestClient.connect(`${server.wsUrl}?name=Ann`)
    const bob = await TestClient.connect(`${server.wsUrl}?name=Bob`)
    assert.equal((await ann.request({ action: 'joinRoom', room: 'lobby' })).result.room, 'lobby')
    await bob.request({ action: 'joinRoom', room: 'lobby' })
    assert.equal(
      (await ann.waitFrame((f) => f.type === 'direct')).data.notice,
      'welcome to lobby, Ann',
    )
    const sent = await bob.request({ action: 'sendMessage', room: 'lobby', text: 'hi' })
    assert.equal(sent.result.ok, true)
    const message = await ann.waitFrame((f) => f.type === 'message')
    assert.deepEqual(message.data, { from: 'Bob', text: 'hi' })
    ann.close()
    bob.close()
  })

  it('multiplayer: cursors are relayed to the others and moves are counted', async () => {
    const url = `ws://127.0.0.1:${server.port}/rooms/cursors/test`
    const a = await TestClient.connect(url)
    const b = await TestClient.connect(url)
    await a.waitFrame((f) => f.type === 'welcome')
    await b.waitFrame((f) => f.type === 'welcome')
    a.send(JSON.stringify({ x: 0.5, y: 0.25 }))
    const seen = await b.waitFrame((f) => f.type === 'cursor')
    assert.deepEqual([seen.x, seen.y, seen.moves], [0.5, 0.25, 1])
    const state = await (await fetch(`${server.url}/rooms/cursors/test/`)).json()
    assert.deepEqual(state, { moves: 1, here: 2 })
    a.close()
    b.close()
  })
})
