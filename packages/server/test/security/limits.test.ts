/**
 * Abuse limits and usage tiers: floods, hostile JSON, schemas, plans, API key scopes. Each
 * refusal carries its code, and well-behaved clients on the same server are never affected.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CloseCode, ErrorCode } from '@switchboard/protocol'
import { hashApiKey } from '../../src/auth/api-keys.js'
import { resolveOptions, ConfigError } from '../../src/config/load.js'
import { apiGet, apiPost, startServer, testConfig, type TestServer } from '../helpers/server.js'
import { signedToken } from '../helpers/tokens.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'

const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

describe('message limits', () => {
  let server: TestServer
  let subscriber: TestClient
  let bystander: TestClient

  before(async () => {
    server = await startServer({
      limits: { messagesPerSecond: 20, messageBurst: 20 },
      namespaces: {
        prices: {
          schema: {
            type: 'object',
            required: ['symbol', 'price'],
            properties: { symbol: { type: 'string' }, price: { type: 'number', minimum: 0 } },
          },
        },
      },
    })
    subscriber = await TestClient.connect(server.wsUrl)
    await subscriber.request({ action: 'subscribe', channel: 'feed' })
    bystander = await TestClient.connect(server.wsUrl)
  })
  after(async () => {
    subscriber.close()
    bystander.close()
    await server.stop()
  })

  it('answers a message flood with rate_limited while other connections are unaffected', async () => {
    const flooder = await TestClient.connect(server.wsUrl)
    for (let id = 1; id <= 200; id++) {
      flooder.send(JSON.stringify({ id, action: 'publish', channel: 'feed', data: id }))
    }
    await waitFor(() => flooder.frames.filter((f) => f.id !== undefined).length === 200, {
      message: '200 replies',
    })
    const limited = flooder.frames.filter((f) => f.error?.code === ErrorCode.RateLimited)
    const accepted = flooder.frames.filter((f) => f.ok === true)
    assert.ok(limited.length >= 150, `${limited.length} refused`)
    assert.ok(accepted.length >= 20 && accepted.length < 50, `${accepted.length} accepted`)
    assert.equal(flooder.closeCode, undefined, 'the flooder is refused, not dropped')

    const reply = await bystander.request({ action: 'publish', channel: 'feed', data: 'calm' })
    assert.equal(reply.ok, true, 'another connection publishes at once')
    await waitFor(() => subscriber.messages('feed').some((m) => m.data === 'calm'), {
      message: 'the calm publication',
    })
    const received = subscriber.messages('feed').map((m) => m.data)
    assert.equal(received.length, accepted.length + 1, 'exactly the accepted ones were delivered')
    flooder.close()
  })

  it('refuses 10,000-deep JSON before parsing it, and keeps the connection', async () => {
    const client = await TestClient.connect(server.wsUrl)
    client.send(`{"id":1,"action":"publish","channel":"feed","data":${deep(10_000)}}`)
    const frame = await client.waitFrame((f) => f.error !== undefined)
    assert.equal(frame.error.code, ErrorCode.JsonTooDeep)
    assert.equal((await client.request({ action: 'ping' })).ok, true)
    client.close()

    const http = await apiPost(
      `${server.url}/v1/publish`,
      `{"channel":"feed","data":${deep(10_000)}}`,
    )
    assert.deepEqual([http.status, http.body.error.code], [400, ErrorCode.JsonTooDeep])
    // Brackets inside strings are data, not nesting.
    const text = await apiPost(`${server.url}/v1/publish`, { channel: 'feed', data: deep(5_000) })
    assert.equal(text.status, 200)
  })

  it('stores and delivers __proto__ and constructor keys as plain data, polluting nothing', async () => {
    const raw =
      '{"channel":"feed","data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}}'
    const published = await apiPost(`${server.url}/v1/publish`, raw)
    assert.equal(published.status, 200)
    const message = await subscriber.waitFrame((f) => f.offset === published.body.offset)
    assert.deepEqual(JSON.parse(JSON.stringify(message.data)), JSON.parse(raw).data)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false)
  })

  it('refuses __proto__ and constructor keys in config, naming the field', () => {
    const config = JSON.parse('{"__proto__":{"devMode":true},"limits":{"constructor":1}}')
    assert.throws(
      () => resolveOptions(testConfig(config)),
      (error: Error) => {
        assert.ok(error instanceof ConfigError)
        assert.match(error.message, /unknown field "__proto__"/)
        assert.match(error.message, /limits .*unknown field "constructor"/)
        return true
      },
    )
  })

  it('refuses malformed UTF-8 in an HTTP body instead of storing replacement characters', async () => {
    const body = Buffer.concat([
      Buffer.from('{"channel":"feed","data":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ])
    const response = await fetch(`${server.url}/v1/publish`, {
      method: 'POST',
      headers: { Authorization: 'Bearer test-api-key-0123456789' },
      body,
    })
    const reply = (await response.json()) as { error: { code: string; message: string } }
    assert.deepEqual([response.status, reply.error.code], [400, ErrorCode.InvalidJson])
    assert.match(reply.error.message, /UTF-8/)
  })

  it('checks publications against the namespace schema, naming the failing path', async () => {
    const client = await TestClient.connect(server.wsUrl)
    const bad = await client.request({
      action: 'publish',
      channel: 'prices:AAPL',
      data: { symbol: 'AAPL', price: -1 },
    })
    assert.equal(bad.error.code, ErrorCode.InvalidPayload)
    assert.match(bad.error.message, /data\/price must be >= 0/)
    const good = await client.request({
      action: 'publish',
      channel: 'prices:AAPL',
      data: { symbol: 'AAPL', price: 231.4 },
    })
    assert.equal(good.ok, true)

    const http = await apiPost(`${server.url}/v1/publish`, {
      channel: 'prices:X',
      data: { symbol: 1 },
    })
    assert.deepEqual([http.status, http.body.error.code], [400, ErrorCode.InvalidPayload])
    assert.match(http.body.error.message, /data must have required property 'price'/)
    client.close()
  })

  it('refuses a config whose schema ajv cannot compile, naming the namespace', async () => {
    await assert.rejects(
      startServer({ namespaces: { bad: { schema: { type: 'no-such-type' } } } }),
      /namespaces\.bad\.schema is not a valid JSON Schema/,
    )
  })
})

describe('plans', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({
      auth: { anonymous: false },
      plans: {
        free: { maxConnectionsPerUser: 1, maxSubscriptions: 2, history: false },
        pro: { maxConnectionsPerUser: 3, maxSubscriptions: 10 },
        idle: { idleTimeoutMs: 400 },
      },
      defaultPlan: 'free',
    })
  })
  after(() => server.stop())

  const connect = async (sub: string, plan?: string) =>
    TestClient.connect(`${server.wsUrl}?token=${await signedToken(plan ? { sub, plan } : { sub })}`)

  it('limits connections per user by plan', async () => {
    const first = await connect('fay', 'free')
    const second = await connect('fay', 'free')
    assert.equal(await second.waitClosed(), CloseCode.TooManyConnections)
    assert.equal(second.closeReason, 'too_many_connections')
    assert.equal((await first.request({ action: 'ping' })).ok, true, 'the first stays')

    const pros = await Promise.all([connect('pat', 'pro'), connect('pat', 'pro')])
    for (const pro of pros) assert.equal((await pro.request({ action: 'ping' })).ok, true)

    // A closed connection frees its place.
    first.close()
    await waitFor(
      async () => {
        const retry = await connect('fay', 'free')
        const ok = (await retry.request({ action: 'ping' }).catch(() => undefined))?.ok === true
        retry.close()
        return ok
      },
      { message: 'a free place' },
    )
    for (const pro of pros) pro.close()
  })

  it('limits subscriptions and history by plan, with the plan named in the error', async () => {
    const free = await connect('gus')
    await free.request({ action: 'subscribe', channel: 'a' })
    await free.request({ action: 'subscribe', channel: 'b' })
    const third = await free.request({ action: 'subscribe', channel: 'c' })
    assert.equal(third.error.code, ErrorCode.TooManySubscriptions)
    assert.match(third.error.message, /plan free/)
    const history = await free.request({ action: 'history', channel: 'a' })
    assert.equal(history.error.code, ErrorCode.Forbidden)
    free.close()

    const pro = await connect('hal', 'pro')
    for (const channel of ['a', 'b', 'c']) {
      assert.equal((await pro.request({ action: 'subscribe', channel })).ok, true)
    }
    assert.equal((await pro.request({ action: 'history', channel: 'a' })).ok, true)
    pro.close()
  })

  it('closes idle connections by plan, and counts usage per plan in /metrics', async () => {
    const idle = await connect('ida', 'idle')
    const busy = await connect('bo', 'idle')
    const keepBusy = setInterval(() => busy.send('{"action":"unsubscribe","channel":"x"}'), 100)
    assert.equal(await idle.waitClosed(3_000), CloseCode.IdleTimeout)
    assert.equal(idle.closeReason, 'idle_timeout')
    clearInterval(keepBusy)
    assert.equal(busy.closeCode, undefined, 'a connection that keeps talking stays')

    const metrics = await apiGet(`${server.url}/metrics`, null)
    assert.match(metrics.body, /switchboard_plan_connections\{plan="idle"\} 1/)
    assert.match(
      metrics.body,
      /switchboard_plan_limit_closures_total\{plan="idle",reason="idle_timeout"\} 1/,
    )
    assert.match(
      metrics.body,
      /switchboard_plan_limit_closures_total\{plan="free",reason="too_many_connections"\} [1-9]/,
    )
    busy.close()
  })

  it('ends connections at the maximum lifetime; they may reconnect', async () => {
    const short = await startServer({ limits: { maxConnectionLifetimeMs: 300 } })
    try {
      const client = await TestClient.connect(short.wsUrl)
      assert.equal(await client.waitClosed(3_000), CloseCode.MaxLifetime)
      const push = client.frames.find((f) => f.type === 'disconnect')
      assert.deepEqual([push?.code, push?.reconnect], ['max_lifetime', true])
    } finally {
      await short.stop()
    }
  })
})

describe('API keys', () => {
  const PUBLISH_KEY = 'publish-only-key-0123456789'
  const ADMIN_KEY = 'admin-key-0123456789-abcdef'
  let server: TestServer
  before(async () => {
    server = await startServer({
      apiKeys: [
        { name: 'functions', sha256: hashApiKey(PUBLISH_KEY), scopes: ['publish'] },
        { name: 'ops', sha256: hashApiKey(ADMIN_KEY), scopes: ['admin'] },
      ],
      limits: { apiRequestsPerSecond: 5, apiRequestBurst: 5 },
    })
  })
  after(() => server.stop())

  it('stores keys as digests and checks scopes per route', async () => {
    const published = await apiPost(
      `${server.url}/v1/publish`,
      { channel: 'a', data: 1 },
      PUBLISH_KEY,
    )
    assert.equal(published.status, 200)
    const listed = await apiGet(`${server.url}/v1/channels`, PUBLISH_KEY)
    assert.deepEqual([listed.status, listed.body.error.code], [403, ErrorCode.Forbidden])
    assert.match(listed.body.error.message, /functions lacks the admin scope/)
    assert.equal((await apiGet(`${server.url}/v1/channels`, ADMIN_KEY)).status, 200)
    const wrong = await apiGet(`${server.url}/v1/channels`, hashApiKey(ADMIN_KEY))
    assert.equal(wrong.status, 401, 'the digest itself is not a key')
  })

  it('limits requests per key with 429 and Retry-After, other keys unaffected', async () => {
    const statuses: number[] = []
    let retryAfter: string | null = null
    for (let i = 0; i < 12; i++) {
      const response = await fetch(`${server.url}/v1/publish`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${PUBLISH_KEY}` },
        body: JSON.stringify({ channel: 'a', data: i }),
      })
      statuses.push(response.status)
      if (response.status === 429) retryAfter = response.headers.get('retry-after')
      await response.body?.cancel()
    }
    assert.ok(statuses.includes(429), statuses.join(','))
    assert.equal(retryAfter, '1')
    assert.equal((await apiGet(`${server.url}/v1/channels`, ADMIN_KEY)).status, 200)
  })

  it('slows down repeated failed authentication from one address', async () => {
    const timings: number[] = []
    for (let i = 0; i < 8; i++) {
      const started = performance.now()
      await apiGet(`${server.url}/v1/channels`, `wrong-key-${i}-0123456789`)
      timings.push(performance.now() - started)
    }
    // The first failures answer at once; from the sixth on, each waits longer than the last.
    assert.ok(
      timings.slice(0, 4).every((t) => t < 80),
      timings.join(', '),
    )
    assert.ok(timings[7]! >= 350, `eighth failure after ${timings[7]} ms`)
  })
})
