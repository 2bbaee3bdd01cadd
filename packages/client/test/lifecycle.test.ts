/**
 * The connection state machine: what the client does after each close code, with the server
 * side scripted over real sockets (see helpers/scripted-peer.ts).
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import type { Client, ClientOptions, ConnectionState, StateDetail } from '../src/index.js'
import type { Upstream } from '../src/upstream.js'
import { decideAfterClose } from '../src/lifecycle.js'
import { closeClients, nodeClient } from './helpers/client.js'
import { ScriptedPeer } from './helpers/scripted-peer.js'
import { sleep, waitFor } from './helpers/wait.js'

const context = { canRefreshToken: false, lastWasUnauthorized: false }

describe('close codes', () => {
  it('retries the 4000-4499 range and abnormal closures', () => {
    for (const code of [1000, 1001, 1006, 1009, 4000, 4001, 4002, 4003, 4005, 4499]) {
      assert.equal(decideAfterClose(code, context).state, 'disconnected', `code ${code}`)
    }
  })

  it('stops on 4500-4999, 1003 and 1008', () => {
    for (const code of [1003, 1008, 4500, 4501, 4503, 4999]) {
      assert.equal(decideAfterClose(code, context).state, 'closed', `code ${code}`)
    }
  })

  it('retries an unauthorized close once when a fresh token can be fetched', () => {
    const fresh = { canRefreshToken: true, lastWasUnauthorized: false }
    assert.equal(decideAfterClose(4500, fresh).state, 'disconnected')
    assert.equal(decideAfterClose(4500, { ...fresh, lastWasUnauthorized: true }).state, 'closed')
  })

  it('honours the server delay of a shutdown', () => {
    assert.deepEqual(decideAfterClose(4001, { ...context, serverDelayMs: 1_234 }), {
      state: 'disconnected',
      minDelayMs: 1_234,
    })
  })
})

describe('connection state machine', () => {
  let peer: ScriptedPeer
  let client: Client
  let states: Array<[ConnectionState, StateDetail]>

  before(async () => {
    peer = await ScriptedPeer.start()
  })
  after(() => peer.stop())
  beforeEach(() => {
    peer.sockets.length = 0
    states = []
  })
  afterEach(closeClients)

  function connect(options: Partial<ClientOptions> = {}): Client {
    client = nodeClient(peer.url, {
      transports: ['websocket'],
      reconnect: { baseDelayMs: 10, maxDelayMs: 20 },
      pingIntervalMs: 100,
      heartbeatTimeoutMs: 300,
      ...options,
    })
    client.on('state', (state, detail) => states.push([state, detail]))
    return client
  }

  const connected = () => waitFor(() => client.state === 'connected', 'connected')

  it('goes connecting, connected, and back through disconnected on a temporary close', async () => {
    connect()
    await connected()
    ;(await peer.nth(1)).close(4002)
    await peer.nth(2)
    await connected()
    assert.deepEqual(
      states.map(([s]) => s),
      ['connecting', 'connected', 'disconnected', 'connecting', 'connected'],
    )
    assert.equal(states[2]![1].closeCode, 4002)
  })

  for (const code of [4500, 4501, 4503]) {
    it(`closes for good on ${code} and fails queued publishes`, async () => {
      connect()
      await connected()
      ;(await peer.nth(1)).close(code)
      await waitFor(() => client.state === 'closed', 'closed')
      assert.equal(states.at(-1)![1].closeCode, code)
      await assert.rejects(client.channel('c').publish(1), { code: 'closed' })
      await sleep(200)
      assert.equal(peer.sockets.length, 1, 'no reconnect attempt')
    })
  }

  it('waits at least the delay a shutting-down server asks for', async () => {
    connect()
    await connected()
    const first = await peer.nth(1)
    first.push({
      type: 'disconnect',
      code: 'server_shutdown',
      reconnect: true,
      reconnectAfterMs: 300,
    })
    first.close(4001)
    await waitFor(() => client.state === 'disconnected', 'disconnected')
    const [, detail] = states.at(-1)!
    assert.equal(detail.closeCode, 4001)
    assert.ok(detail.retryInMs! >= 300, `retry in ${detail.retryInMs} ms`)
    await peer.nth(2)
  })

  it('lets a wake-up cut a backoff wait short, but not the delay the server asked for', async () => {
    connect({ reconnect: { baseDelayMs: 20_000, maxDelayMs: 20_000 }, random: () => 0.99 })
    await connected()
    const first = await peer.nth(1)
    first.push({ type: 'disconnect', code: 'server_shutdown', reconnectAfterMs: 400 })
    first.close(4001)
    await waitFor(() => client.state === 'disconnected', 'disconnected')
    const closedAt = Date.now()
    assert.ok(states.at(-1)![1].retryInMs! > 15_000)
    // What the `online` event and a tab becoming visible call.
    const wake = () => (client as unknown as { upstream: Upstream }).upstream.wake()

    wake()
    await sleep(150)
    assert.equal(peer.sockets.length, 1, 'no attempt within the server delay')
    await sleep(400 - (Date.now() - closedAt) + 50)
    wake()
    await peer.nth(2)
    assert.ok(Date.now() - closedAt < 2_000, 'the wake-up, not the 20 s backoff, reconnected')
  })

  it('gives every publish its own idempotency key and resends it unchanged', async () => {
    connect()
    await connected()
    const channel = client.channel('c')
    const acks = [channel.publish(1), channel.publish(2)]
    const first = await peer.nth(1)
    await first.requests(2)
    const keys = first.frames.map((frame) => frame.idempotencyKey)
    assert.equal(typeof keys[0], 'string')
    assert.notEqual(keys[0], keys[1])
    // Lost with the connection, before any ack: both are sent again, with the same keys.
    first.close(4000)
    const second = await peer.nth(2)
    await second.requests(2)
    assert.deepEqual(
      second.frames.map((frame) => [frame.data, frame.idempotencyKey]),
      [
        [1, keys[0]],
        [2, keys[1]],
      ],
    )
    second.replyAll({ offset: 1, epoch: 'e' })
    await Promise.all(acks)
  })

  it('fetches a fresh token for every attempt and retries 4500 once with it', async () => {
    let issued = 0
    connect({ getToken: () => `token-${++issued}` })
    ;(await peer.nth(1)).close(4500)
    const second = await peer.nth(2)
    assert.equal(second.protocols, 'switchboard,token.token-2')
    assert.doesNotMatch(second.url, /token/, 'the token stays out of the URL')
    second.close(4500)
    await waitFor(() => client.state === 'closed', 'closed')
    assert.equal(peer.sockets.length, 2)
  })

  it('replaces a connection that went silent, after pinging it', async () => {
    connect()
    await connected()
    const first = await peer.nth(1)
    await peer.nth(2)
    assert.ok(first.frames.some((frame) => frame.action === 'ping'))
    assert.equal(states.find(([s]) => s === 'disconnected')![1].closeCode, 4003)
  })

  it('keeps a connection that answers pings', async () => {
    connect()
    await connected()
    const first = await peer.nth(1)
    const timer = setInterval(() => first.replyAll(), 50)
    await sleep(900)
    clearInterval(timer)
    assert.equal(peer.sockets.length, 1)
    assert.equal(client.state, 'connected')
  })

  it('resubscribes from the last delivered position and drops repeats', async () => {
    connect()
    const received: number[] = []
    client.channel('c').subscribe((m) => received.push(m.offset))
    const first = await peer.nth(1)
    await first.requests()
    assert.deepEqual(first.frames[0], { action: 'subscribe', channel: 'c', id: 1 })
    first.replyAll({ channel: 'c', offset: 4, epoch: 'e1' })
    first.push({ type: 'message', channel: 'c', event: 'm', data: 5, offset: 5, epoch: 'e1' })
    await waitFor(() => received.length === 1, 'offset 5')
    first.close(4000)

    const second = await peer.nth(2)
    await second.requests()
    assert.deepEqual(second.frames[0]!.since, { offset: 5, epoch: 'e1' })
    second.replyAll({ channel: 'c', offset: 6, epoch: 'e1', recovered: true })
    for (const offset of [5, 6, 7]) {
      second.push({ type: 'message', channel: 'c', event: 'm', data: offset, offset, epoch: 'e1' })
    }
    await waitFor(() => received.length === 3, 'offsets 6 and 7')
    assert.deepEqual(received, [5, 6, 7])
  })
})
