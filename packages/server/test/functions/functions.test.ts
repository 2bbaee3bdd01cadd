/**
 * Functions routed by `action`, in-process and behind URLs, with `$connect`, `$disconnect` and
 * `$default`, against a real server; URL targets are a real HTTP server checking signatures.
 */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CloseCode, ErrorCode } from '@switchboard/protocol'
import { startServer, type TestServer } from '../helpers/server.js'
import { tempDir } from '../helpers/tmp.js'
import { signedToken } from '../helpers/tokens.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'

const MODULES: Record<string, string> = {
  'newMessage.ts': `
    export default async function (event: any, ctx: any) {
      const result = await ctx.publish('chat:' + event.body.room, {
        from: event.user.id ?? null, text: event.body.text,
      })
      return { ok: true, offset: result.offset, claims: event.user.claims }
    }`,
  '$default.js': `export default (event) => ({ echo: event.body, route: event.requestContext.routeKey })`,
  '$connect.ts': `
    export default (event: any) => {
      if (event.queryStringParameters.deny === '1') return { reject: { code: 4403, message: 'no' } }
      return { claims: { room: event.queryStringParameters.room ?? 'lobby', sawToken: 'token' in event.queryStringParameters } }
    }`,
  '$disconnect.ts': `export default (event: any, ctx: any) => ctx.kv.set('left:' + event.requestContext.connectionId, 'yes')`,
  'readKv.ts': `export default (event: any, ctx: any) => ctx.kv.get(event.body.key)`,
  'whoami.ts': `export default (event: any) => event.requestContext`,
  'dm.ts': `export default async (event: any, ctx: any) => ({ sent: await ctx.send(event.body.to, { hi: event.user.id }) })`,
  'join.ts': `export default (event: any, ctx: any) => ctx.subscribe(event.body.channel)`,
  'slow.ts': `export default () => new Promise((resolve) => setTimeout(resolve, 2000))`,
  'boom.ts': `export default () => { throw new Error('internal detail') }`,
  'version.ts': `export default () => 1`,
}

describe('in-process functions', () => {
  let server: TestServer
  const dir = tempDir('switchboard-functions-')

  before(async () => {
    for (const [file, source] of Object.entries(MODULES)) writeFileSync(join(dir.dir, file), source)
    server = await startServer({
      functions: { dir: dir.dir, watch: true, timeoutMs: 300 },
      namespaces: { private: { public: false } },
    })
  })
  after(async () => {
    await server.stop()
    dir.remove()
  })

  it('routes an action to its function, which publishes and replies to the caller', async () => {
    const reader = await TestClient.connect(server.wsUrl)
    await reader.request({ action: 'subscribe', channel: 'chat:r1' })
    const writer = await TestClient.connect(
      `${server.wsUrl}?token=${await signedToken({ sub: 'ann' })}&room=r1`,
    )
    const reply = await writer.request({ action: 'newMessage', room: 'r1', text: 'hi' })
    assert.equal(reply.ok, true)
    assert.equal(reply.result.ok, true)
    // $connect's claims reach every later event; the token never reaches a function.
    assert.deepEqual(reply.result.claims, { room: 'r1', sawToken: false })
    const pushed = await reader.waitFrame((f) => f.type === 'message')
    assert.deepEqual(pushed.data, { from: 'ann', text: 'hi' })
    reader.close()
    writer.close()
  })

  it('sends unmatched actions to $default with the request as the body', async () => {
    const client = await TestClient.connect(server.wsUrl)
    const reply = await client.request({ action: 'somethingElse', n: 1 })
    assert.deepEqual(reply.result, { echo: { action: 'somethingElse', n: 1 }, route: '$default' })
    client.close()
  })

  it('gives the event the fields a Lambda author expects', async () => {
    const client = await TestClient.connect(server.wsUrl)
    const { result } = await client.request({ action: 'whoami' })
    assert.equal(result.routeKey, 'whoami')
    assert.equal(result.eventType, 'MESSAGE')
    assert.match(result.connectionId, /^[\w-]{12}\.[\w-]{16}$/)
    assert.equal(result.identity.sourceIp, '127.0.0.1')
    assert.ok(result.connectedAt <= result.requestTimeEpoch)
    client.close()
  })

  it('answers function_timeout and function_failed without details, and keeps serving', async () => {
    const client = await TestClient.connect(server.wsUrl)
    const slow = await client.request({ action: 'slow' })
    assert.equal(slow.error.code, ErrorCode.FunctionTimeout)
    assert.match(slow.error.message, /within 300 ms/)
    const boom = await client.request({ action: 'boom' })
    assert.equal(boom.error.code, ErrorCode.FunctionFailed)
    assert.doesNotMatch(boom.error.message, /internal detail/)
    assert.equal((await client.request({ action: 'ping' })).ok, true)
    client.close()
  })

  it('lets $connect refuse a connection with its own code', async () => {
    const refused = await TestClient.connect(`${server.wsUrl}?deny=1`)
    assert.equal(await refused.waitClosed(), 4403)
  })

  it('runs $disconnect after a close, with a durable key-value store', async () => {
    const leaving = await TestClient.connect(server.wsUrl)
    const { result } = await leaving.request({ action: 'whoami' })
    leaving.close()
    const reader = await TestClient.connect(server.wsUrl)
    await waitFor(
      async () =>
        (await reader.request({ action: 'readKv', key: `left:${result.connectionId}` })).result ===
        'yes',
      { message: '$disconnect to record the leave' },
    )
    reader.close()
  })

  it('sends to another connection and subscribes the caller as the server', async () => {
    const target = await TestClient.connect(server.wsUrl)
    const { result: who } = await target.request({ action: 'whoami' })
    const sender = await TestClient.connect(
      `${server.wsUrl}?token=${await signedToken({ sub: 'bo' })}`,
    )
    const { result } = await sender.request({ action: 'dm', to: who.connectionId })
    assert.equal(result.sent, true)
    const direct = await target.waitFrame((f) => f.type === 'direct')
    assert.deepEqual(direct.data, { hi: 'bo' })
    assert.equal((await sender.request({ action: 'dm', to: 'no-such-id' })).result.sent, false)

    // `private` is closed to anonymous clients, but a function may subscribe one.
    const denied = await target.request({ action: 'subscribe', channel: 'private:x' })
    assert.equal(denied.error.code, ErrorCode.Forbidden)
    const joined = await target.request({ action: 'join', channel: 'private:x' })
    assert.equal(joined.result.channel, 'private:x')
    target.close()
    sender.close()
  })

  it('reloads a changed module', async () => {
    const client = await TestClient.connect(server.wsUrl)
    assert.equal((await client.request({ action: 'version' })).result, 1)
    writeFileSync(join(dir.dir, 'version.ts'), 'export default () => 2')
    await waitFor(async () => (await client.request({ action: 'version' })).result === 2, {
      message: 'the new version',
    })
    client.close()
  })
})

describe('functions behind URLs', () => {
  const SECRET = 'function-signing-secret-0123456789-abcdef'
  let target: Server
  let server: TestServer
  const seen: Array<{ route: string; event: any; signed: boolean }> = []

  before(async () => {
    target = createServer(async (request, response) => {
      const body = await readBody(request)
      const timestamp = request.headers['x-switchboard-timestamp'] as string
      const expected = `v1=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`
      const signed = request.headers['x-switchboard-signature'] === expected
      const event = JSON.parse(body)
      const route = request.url!.slice(1)
      seen.push({ route, event, signed })
      if (!signed) return void response.writeHead(401).end('bad signature')
      if (route === 'connect' && event.queryStringParameters.deny === '1') {
        return void response.writeHead(403).end('not you')
      }
      if (route === 'slow') return void setTimeout(() => response.end('{}'), 2_000)
      if (route === 'broken') return void response.writeHead(500).end('oops')
      response.writeHead(200, { 'Content-Type': 'application/json' })
      response.end(JSON.stringify({ handledBy: 'url', text: event.body?.text ?? null }))
    })
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`
    server = await startServer({
      functions: {
        signingSecret: SECRET,
        timeoutMs: 300,
        routes: {
          $connect: { url: `${base}/connect` },
          say: { url: `${base}/say` },
          slow: { url: `${base}/slow` },
          broken: { url: `${base}/broken` },
        },
      },
    })
  })
  after(async () => {
    await server.stop()
    target.closeAllConnections()
    target.close()
  })

  it('posts a signed event and replies with the JSON the function answered', async () => {
    const client = await TestClient.connect(server.wsUrl)
    const reply = await client.request({ action: 'say', text: 'hello' })
    assert.deepEqual(reply.result, { handledBy: 'url', text: 'hello' })
    const call = seen.find((s) => s.route === 'say')!
    assert.equal(call.signed, true)
    assert.equal(call.event.requestContext.routeKey, 'say')
    assert.equal(call.event.requestContext.eventType, 'MESSAGE')
    client.close()
  })

  it('refuses a connection its $connect URL answers 403', async () => {
    const refused = await TestClient.connect(`${server.wsUrl}?deny=1`)
    assert.equal(await refused.waitClosed(), CloseCode.Unauthorized)
    const connect = seen.find(
      (s) => s.route === 'connect' && s.event.queryStringParameters.deny === '1',
    )
    assert.equal(connect?.event.requestContext.eventType, 'CONNECT')
  })

  it('answers function_timeout for a slow URL and function_failed for an error status', async () => {
    const client = await TestClient.connect(server.wsUrl)
    assert.equal((await client.request({ action: 'slow' })).error.code, ErrorCode.FunctionTimeout)
    const broken = await client.request({ action: 'broken' })
    assert.equal(broken.error.code, ErrorCode.FunctionFailed)
    assert.match(broken.error.message, /HTTP 500/)
    assert.equal((await client.request({ action: 'unrouted' })).error.code, ErrorCode.UnknownAction)
    client.close()
  })
})

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    request.on('data', (chunk: Buffer) => (text += chunk.toString()))
    request.on('end', () => resolve(text))
  })
}
