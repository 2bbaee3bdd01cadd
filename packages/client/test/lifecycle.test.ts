import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { createClient, type Client, type ConnectionState } from '../src/index.js'
import { decideAfterClose } from '../src/lifecycle.js'
import type { WebSocketConstructor } from '../src/options.js'
import { FakeWebSocket } from './helpers/fake-websocket.js'
import { seededRandom, waitFor } from './helpers/wait.js'

/** The n-th socket (1-based) once the client made it: sockets are made after getToken. */
async function nthSocket(n: number): Promise<FakeWebSocket> {
  await waitFor(() => FakeWebSocket.instances.length >= n, `socket ${n}`, 5_000)
  return FakeWebSocket.instances[n - 1]!
}

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
  let client: Client | undefined
  let states: Array<[ConnectionState, number | undefined]>

  beforeEach(() => {
    FakeWebSocket.instances = []
    states = []
  })
  afterEach(() => client?.close())

  /** Opens the n-th socket and waits until the client adopted it. */
  async function openSocket(n: number): Promise<FakeWebSocket> {
    const socket = await nthSocket(n)
    socket.open()
    await waitFor(() => client!.state === 'connected', 'connected', 5_000)
    return socket
  }

  function connect(options: { getToken?: () => string } = {}): Client {
    client = createClient({
      url: 'ws://switchboard.test',
      WebSocket: FakeWebSocket as unknown as WebSocketConstructor,
      transports: ['websocket'],
      shareConnection: false,
      reconnect: { baseDelayMs: 10, maxDelayMs: 20 },
      random: seededRandom(7),
      pingIntervalMs: 200,
      heartbeatTimeoutMs: 400,
      ...options,
    })
    client.on('state', (state, detail) => states.push([state, detail.retryInMs]))
    return client
  }

  it('goes connecting, connected, and back through disconnected on a temporary close', async () => {
    connect()
    await openSocket(1)
    FakeWebSocket.last.serverClose(4002)
    await openSocket(2)
    assert.deepEqual(
      states.map(([s]) => s),
      ['connecting', 'connected', 'disconnected', 'connecting', 'connected'],
    )
  })

  for (const code of [4500, 4501, 4503]) {
    it(`closes for good on ${code}`, async () => {
      connect()
      await openSocket(1)
      FakeWebSocket.last.serverClose(code)
      await waitFor(() => client!.state === 'closed', 'closed', 5_000)
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.equal(FakeWebSocket.instances.length, 1, 'no reconnect attempt')
    })
  }

  it('waits at least the delay a shutting-down server asks for', async () => {
    connect()
    await openSocket(1)
    FakeWebSocket.last.push({
      type: 'disconnect',
      code: 'server_shutdown',
      reconnect: true,
      reconnectAfterMs: 300,
    })
    FakeWebSocket.last.serverClose(4001)
    assert.deepEqual(states.at(-1), ['disconnected', 300])
  })

  it('fetches a fresh token for every attempt and retries 4500 once with it', async () => {
    let issued = 0
    connect({ getToken: () => `token-${++issued}` })
    ;(await nthSocket(1)).serverClose(4500)
    await nthSocket(2)
    assert.match(FakeWebSocket.last.url, /token=token-2/)
    FakeWebSocket.last.serverClose(4500)
    await waitFor(() => client!.state === 'closed', 'closed', 5_000)
  })

  it('replaces a connection that went silent', async () => {
    connect()
    await openSocket(1)
    // The client pings after 200 ms of silence; nobody answers.
    await waitFor(() => FakeWebSocket.instances.length === 2, 'a new socket', 5_000)
    assert.ok(FakeWebSocket.instances[0]!.sent.some((frame) => frame.action === 'ping'))
    assert.ok(states.some(([s]) => s === 'disconnected'))
  })

  it('keeps a connection that answers pings', async () => {
    connect()
    const socket = await openSocket(1)
    const timer = setInterval(() => socket.replyAll(), 50)
    await new Promise((resolve) => setTimeout(resolve, 900))
    clearInterval(timer)
    assert.equal(FakeWebSocket.instances.length, 1)
    assert.equal(client!.state, 'connected')
  })

  it('resubscribes from the last delivered position and drops repeats', async () => {
    connect()
    const received: number[] = []
    client!.channel('c').subscribe((m) => received.push(m.offset))
    const first = await openSocket(1)
    assert.deepEqual(first.sent[0], { action: 'subscribe', channel: 'c', id: 1 })
    first.replyAll({ channel: 'c', offset: 4, epoch: 'e1' })
    first.push({ type: 'message', channel: 'c', event: 'm', data: 5, offset: 5, epoch: 'e1' })
    first.serverClose(4000)

    const second = await openSocket(2)
    assert.deepEqual(second.sent[0]!.since, { offset: 5, epoch: 'e1' })
    second.replyAll({ channel: 'c', offset: 6, epoch: 'e1', recovered: true })
    for (const offset of [5, 6, 7]) {
      second.push({ type: 'message', channel: 'c', event: 'm', data: offset, offset, epoch: 'e1' })
    }
    assert.deepEqual(received, [5, 6, 7])
  })

  it('emits reset when the server cannot recover', async () => {
    connect()
    const resets: unknown[] = []
    const channel = client!.channel('c')
    channel.subscribe(() => undefined)
    channel.on('reset', (info) => resets.push(info))
    await openSocket(1)
    FakeWebSocket.last.replyAll({ channel: 'c', offset: 3, epoch: 'e1' })
    FakeWebSocket.last.serverClose(4000)
    await openSocket(2)
    FakeWebSocket.last.replyAll({ channel: 'c', offset: 0, epoch: 'e2', recovered: false })
    assert.deepEqual(resets, [
      {
        channel: 'c',
        lastSeen: { offset: 3, epoch: 'e1' },
        resumeFrom: { offset: 0, epoch: 'e2' },
      },
    ])
  })
})
