/**
 * Malformed UTF-8 is refused, never silently replaced: an HTTP body gets `invalid_json`, a
 * WebSocket text frame closes only its own connection with 1007, and everyone else carries on.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { API_KEY, apiGet, apiPost, startServer, type TestServer } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'

/** `{"channel":"utf8","data":"<0xC3 0x28>"}`: a lead byte followed by a non-continuation. */
const INVALID_BODY = Buffer.concat([
  Buffer.from('{"channel":"utf8","data":"'),
  Buffer.from([0xc3, 0x28]),
  Buffer.from('"}'),
])

async function post(url: string, body: Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: new Uint8Array(body),
  })
  return { status: response.status, body: (await response.json()) as any }
}

describe('malformed UTF-8', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.stop())

  it('refuses an HTTP API or client-request body with invalid UTF-8 as invalid_json', async () => {
    const api = await post(`${server.url}/v1/publish`, INVALID_BODY, {
      Authorization: `Bearer ${API_KEY}`,
    })
    assert.equal(api.status, 400)
    assert.equal(api.body.error.code, 'invalid_json')
    assert.match(api.body.error.message, /UTF-8/)

    const frame = Buffer.concat([
      Buffer.from('{"id":1,"action":"publish","channel":"utf8","data":"'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ])
    const client = await post(`${server.url}/client/request`, frame)
    assert.equal(client.status, 400)
    assert.equal(client.body.error.code, 'invalid_json')

    const history = await fetch(`${server.url}/v1/channels/utf8/history`, {
      headers: { Authorization: `Bearer ${API_KEY}` },
    })
    assert.deepEqual(((await history.json()) as any).publications, [], 'nothing was stored')
  })

  it('closes a WebSocket that sends invalid UTF-8 with 1007, and only that one', async () => {
    const bystander = await TestClient.connect(server.wsUrl)
    await bystander.request({ action: 'subscribe', channel: 'utf8-ws' })
    const offender = await TestClient.connect(server.wsUrl)

    offender.ws.send(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), { binary: false })
    assert.equal(await offender.waitClosed(), 1007)
    await waitFor(
      async () =>
        /switchboard_connections\{transport="websocket"\} 1\n/.test(
          (await apiGet(`${server.url}/metrics`, null)).body,
        ),
      { message: 'the server to drop the offending connection' },
    )
    assert.equal(bystander.closeCode, undefined)

    const published = await apiPost(`${server.url}/v1/publish`, { channel: 'utf8-ws', data: 'é' })
    assert.equal(published.status, 200)
    const message = await bystander.waitFrame((f) => f.type === 'message')
    assert.equal(message.data, 'é')
    bystander.close()
  })
})
