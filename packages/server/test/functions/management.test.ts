/** The management API: message, inspect and close connections and users, 410 once gone. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CloseCode, ErrorCode } from '@switchboard/protocol'
import { apiDelete, apiGet, apiPost, startServer, type TestServer } from '../helpers/server.js'
import { signedToken } from '../helpers/tokens.js'
import { TestClient } from '../helpers/ws-client.js'

describe('management API', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ limits: { maxMessageBytes: 1024 } })
  })
  after(() => server.stop())

  const connectAs = async (sub: string) =>
    TestClient.connect(`${server.wsUrl}?token=${await signedToken({ sub })}`)

  it('lists, messages and closes the connections of a user', async () => {
    const tabs = [await connectAs('ann'), await connectAs('ann')]
    const other = await connectAs('bob')
    await tabs[0]!.request({ action: 'subscribe', channel: 'news' })

    const listed = await apiGet(`${server.url}/v1/users/ann/connections`)
    assert.equal(listed.status, 200)
    assert.equal(listed.body.connections.length, 2)
    const first = listed.body.connections.find((c: any) => c.subscriptions.includes('news'))
    assert.equal(first.user, 'ann')
    assert.equal(first.transport, 'websocket')
    assert.equal(first.sourceIp, '127.0.0.1')

    const sent = await apiPost(`${server.url}/v1/users/ann/messages`, { notice: 'maintenance' })
    assert.deepEqual(sent.body, { delivered: 2 })
    for (const tab of tabs) {
      const direct = await tab.waitFrame((f) => f.type === 'direct')
      assert.deepEqual(direct.data, { notice: 'maintenance' })
    }
    assert.equal(other.frames.filter((f) => f.type === 'direct').length, 0)

    const closed = await apiDelete(`${server.url}/v1/users/ann/connections`)
    assert.deepEqual(closed.body, { closed: 2 })
    for (const tab of tabs) assert.equal(await tab.waitClosed(), CloseCode.ForceDisconnect)
    assert.equal(other.closeCode, undefined)
    other.close()
  })

  it('messages, inspects and closes one connection, then answers 410', async () => {
    const client = await connectAs('cy')
    const [{ id }] = (await apiGet(`${server.url}/v1/users/cy/connections`)).body.connections
    const path = `${server.url}/v1/connections/${encodeURIComponent(id)}`

    assert.equal((await apiPost(`${path}/messages`, JSON.stringify('just text'))).status, 200)
    assert.equal((await client.waitFrame((f) => f.type === 'direct')).data, 'just text')
    const tooLarge = await apiPost(`${path}/messages`, { text: 'x'.repeat(2_000) })
    assert.deepEqual([tooLarge.status, tooLarge.body.error.code], [413, ErrorCode.MessageTooLarge])

    const info = await apiGet(path)
    assert.equal(info.body.id, id)
    assert.match(info.body.connectedAt, /^\d{4}-\d\d-\d\dT/)
    assert.equal((await apiDelete(path)).status, 204)
    assert.equal(await client.waitClosed(), CloseCode.ForceDisconnect)

    const gone = await apiGet(path)
    assert.deepEqual([gone.status, gone.body.error.code], [410, ErrorCode.ConnectionGone])
    assert.equal((await apiPost(`${path}/messages`, 1)).status, 410)
  })

  it('needs the admin scope', async () => {
    const response = await apiGet(`${server.url}/v1/users/ann/connections`, 'not-a-key-0123456789')
    assert.equal(response.status, 401)
  })
})
