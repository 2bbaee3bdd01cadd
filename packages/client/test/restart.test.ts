/**
 * Against a real server process that is killed (SIGKILL) and started again mid-stream: the
 * client ends with every publication, in order, once, over WebSocket and over the SSE
 * fallback; and publishes made around the crash reach the server once each.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { WebSocket } from 'ws'
import { createClient, type Client, type ClientOptions } from '../src/index.js'
import type { WebSocketConstructor } from '../src/options.js'
import { startUpgradeRefusingProxy } from './helpers/proxy.js'
import { API_KEY, ChildServer, freePort, publishHttp } from './helpers/server.js'
import { seededRandom, waitFor } from './helpers/wait.js'

const TOTAL = 2_000
const CONFIG = {
  auth: { anonymous: true },
  channelDefaults: { public: true, historySize: 5_000 },
  logLevel: 'error',
}

function clientOptions(url: string): ClientOptions {
  return {
    url,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    shareConnection: false,
    reconnect: { baseDelayMs: 50, maxDelayMs: 500 },
    random: seededRandom(2024),
  }
}

/** Publishes 1..TOTAL over HTTP, killing and restarting the server after `killAt`. */
async function publishThroughCrash(server: ChildServer, channel: string, killAt: number) {
  let restart: Promise<void> | undefined
  for (let n = 1; n <= TOTAL; n++) {
    if (n === killAt) restart = server.kill().then(() => server.start())
    await publishHttp(server.port, channel, n, `${channel}-${n}`)
  }
  await restart
}

async function receiveAllThroughCrash(client: Client, server: ChildServer, channel: string) {
  const received: number[] = []
  const resets: unknown[] = []
  const sub = client.channel<number>(channel)
  sub.on('reset', (info) => resets.push(info))
  sub.subscribe((message) => received.push(message.data))
  await waitFor(() => sub.position !== undefined, 'the first subscribe')

  await publishThroughCrash(server, channel, 700)
  await waitFor(() => received.length >= TOTAL, `${TOTAL} publications`, 60_000)
  // Let stragglers (duplicates, if any got through) arrive before judging.
  await client.channel(channel).history({ limit: 1 })
  assert.equal(received.length, TOTAL)
  assert.deepEqual(
    received,
    Array.from({ length: TOTAL }, (_, i) => i + 1),
  )
  assert.deepEqual(resets, [])
}

describe('kill and restart the server mid-stream', { timeout: 180_000 }, () => {
  let server: ChildServer
  let client: Client | undefined

  before(async () => {
    server = new ChildServer(await freePort(), CONFIG)
    await server.start()
  })
  after(async () => {
    client?.close()
    await server.dispose()
  })

  it('delivers all 2,000 publications in order, once, over WebSocket', async () => {
    client = createClient(clientOptions(`ws://127.0.0.1:${server.port}`))
    await receiveAllThroughCrash(client, server, 'numbers-ws')
    assert.equal(client.transport, 'websocket')
    client.close()
  })

  it('does the same over the SSE fallback when WebSocket upgrades are refused', async () => {
    const proxy = await startUpgradeRefusingProxy(server.port)
    try {
      client = createClient(clientOptions(`http://127.0.0.1:${proxy.port}`))
      await receiveAllThroughCrash(client, server, 'numbers-sse')
      assert.equal(client.transport, 'sse')
      const ack = await client.channel('numbers-sse').publish(TOTAL + 1)
      assert.equal(ack.offset, TOTAL + 1)
      client.close()
    } finally {
      await proxy.close()
    }
  })

  it('publishes made around a crash and while down reach the server once each', async () => {
    client = createClient(clientOptions(`ws://127.0.0.1:${server.port}`))
    await waitFor(() => client!.state === 'connected', 'connected')
    const channel = client.channel<number>('outbox')

    const acks = []
    for (let n = 1; n <= 50; n++) acks.push(channel.publish(n))
    // Killed with these in flight: some are stored, some not, and their acks are lost.
    await server.kill()
    await waitFor(() => client!.state !== 'connected', 'the client to notice')
    for (let n = 51; n <= 100; n++) acks.push(channel.publish(n))
    assert.equal(client.pendingPublications > 0, true)
    await server.start()

    const results = await Promise.all(acks)
    assert.equal(results.length, 100)
    const response = await fetch(
      `http://127.0.0.1:${server.port}/v1/channels/outbox/history?limit=1000`,
      { headers: { Authorization: `Bearer ${API_KEY}` } },
    )
    const history = (await response.json()) as { publications: Array<{ data: number }> }
    assert.deepEqual(
      history.publications.map((p) => p.data),
      Array.from({ length: 100 }, (_, i) => i + 1),
    )
    client.close()
  })
})
