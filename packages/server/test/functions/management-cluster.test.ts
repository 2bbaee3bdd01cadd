/**
 * The management API and a function's `ctx.send` across two nodes sharing Redis: either node
 * lists, messages, inspects and closes connections held by the other, and answers 410 once a
 * connection is gone anywhere.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CloseCode, ErrorCode } from '@switchboard/protocol'
import { apiDelete, apiGet, apiPost, startRedisPair, type TestServer } from '../helpers/server.js'
import { skipWithoutRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'
import { signedToken } from '../helpers/tokens.js'
import { TestClient } from '../helpers/ws-client.js'

describe('management API across two nodes on Redis', { skip: skipWithoutRedis() }, () => {
  let pair: Awaited<ReturnType<typeof startRedisPair>> | undefined
  const functions = tempDir('switchboard-cluster-functions-')
  const clients: TestClient[] = []
  let a: TestServer
  let b: TestServer

  before(async () => {
    writeFileSync(
      join(functions.dir, 'dm.ts'),
      `export default async (event: any, ctx: any) => ({
        sent: await ctx.send(event.body.to, { from: event.user.id }),
        users: await ctx.sendToUser(event.body.user, { hello: true }),
      })`,
    )
    pair = await startRedisPair({ functions: { dir: functions.dir } })
    ;({ a, b } = pair)
  })

  after(async () => {
    for (const client of clients) client.close()
    await pair?.stop()
    functions.remove()
  })

  const connect = async (server: TestServer, sub: string) => {
    const client = await TestClient.connect(`${server.wsUrl}?token=${await signedToken({ sub })}`)
    clients.push(client)
    return client
  }

  it("lists and messages a user's connections on both nodes from either node", async () => {
    const onA = await connect(a, 'ann')
    const onB = await connect(b, 'ann')
    const bob = await connect(b, 'bob')

    for (const server of [a, b]) {
      const listed = await apiGet(`${server.url}/v1/users/ann/connections`)
      assert.equal(listed.status, 200)
      assert.equal(listed.body.connections.length, 2)
    }
    const sent = await apiPost(`${a.url}/v1/users/ann/messages`, { notice: 'maintenance' })
    assert.deepEqual(sent.body, { delivered: 2 })
    for (const client of [onA, onB]) {
      assert.deepEqual((await client.waitFrame((f) => f.type === 'direct')).data, {
        notice: 'maintenance',
      })
    }
    assert.equal(bob.frames.filter((f) => f.type === 'direct').length, 0)

    const closed = await apiDelete(`${b.url}/v1/users/ann/connections`)
    assert.deepEqual(closed.body, { closed: 2 })
    for (const client of [onA, onB]) {
      assert.equal(await client.waitClosed(), CloseCode.ForceDisconnect)
    }
    assert.equal(bob.closeCode, undefined)
  })

  it('messages, inspects and closes a connection held by the other node, then 410', async () => {
    const client = await connect(b, 'cy')
    const [{ id }] = (await apiGet(`${a.url}/v1/users/cy/connections`)).body.connections
    const path = `${a.url}/v1/connections/${encodeURIComponent(id)}`

    assert.equal((await apiPost(`${path}/messages`, { n: 1 })).status, 200)
    assert.deepEqual((await client.waitFrame((f) => f.type === 'direct')).data, { n: 1 })
    const info = await apiGet(path)
    assert.deepEqual([info.body.id, info.body.user, info.body.transport], [id, 'cy', 'websocket'])

    assert.equal((await apiDelete(path)).status, 204)
    assert.equal(await client.waitClosed(), CloseCode.ForceDisconnect)
    const gone = await apiGet(path)
    assert.deepEqual([gone.status, gone.body.error.code], [410, ErrorCode.ConnectionGone])
    assert.equal((await apiPost(`${path}/messages`, 1)).status, 410)
    assert.equal((await apiDelete(path)).status, 410)
  })

  it('answers 410 for a connection of a node that is not there', async () => {
    const response = await apiGet(`${a.url}/v1/connections/nosuchnode.abc`)
    assert.deepEqual([response.status, response.body.error.code], [410, ErrorCode.ConnectionGone])
  })

  it("reaches a connection on the other node from a function's ctx.send", async () => {
    const sender = await connect(a, 'dan')
    const target = await connect(b, 'eve')
    const [{ id }] = (await apiGet(`${b.url}/v1/users/eve/connections`)).body.connections
    const reply = await sender.request({ action: 'dm', to: id, user: 'eve' })
    assert.deepEqual(reply.result, { sent: true, users: 1 })
    const directs = async () => {
      await target.waitFrame((f) => f.type === 'direct' && f.data.hello === true)
      return target.frames.filter((f) => f.type === 'direct').map((f) => f.data)
    }
    assert.deepEqual(await directs(), [{ from: 'dan' }, { hello: true }])
  })
})
