/**
 * Against a real server process that is killed (SIGKILL) and started again mid-stream: the
 * client ends with every publication, in order, once, over WebSocket and over the SSE
 * fallback; and publishes made around the crash and while the server is down reach the
 * server once each.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import type { Client } from '../src/index.js'
import { closeClients, nodeClient, recordNumbers } from './helpers/client.js'
import { startUpgradeRefusingProxy } from './helpers/proxy.js'
import { RestartableServer, historyData, publishHttp } from './helpers/server.js'
import { waitFor } from './helpers/wait.js'

const TOTAL = 2_000
const KILL_AT = 700
const numbers = (count: number) => Array.from({ length: count }, (_, i) => i + 1)

/** Publishes 1..TOTAL over HTTP, killing the server before KILL_AT and starting it again. */
async function publishThroughCrash(server: RestartableServer, channel: string) {
  let restart: Promise<void> | undefined
  for (let n = 1; n <= TOTAL; n++) {
    if (n === KILL_AT) restart = server.kill().then(() => server.start())
    // The key makes a retry after a lost reply harmless: the publisher is at-least-once.
    await publishHttp(() => server.url, channel, n, `${channel}-${n}`)
  }
  await restart
}

async function receiveAllThroughCrash(client: Client, server: RestartableServer, channel: string) {
  const { numbered, received, resets, states } = await recordNumbers(client, channel)

  await publishThroughCrash(server, channel)
  await waitFor(() => received.length >= TOTAL, `${TOTAL} publications`, 60_000)
  // A round trip after the last one lets a duplicate, if any got through, arrive first.
  await numbered.history({ limit: 1 })
  assert.deepEqual(received, numbers(TOTAL))
  assert.deepEqual(resets, [])
  assert.ok(states.includes('disconnected'), 'the client noticed the crash')
}

describe('kill and restart the server mid-stream', () => {
  const server = new RestartableServer({
    auth: { anonymous: true },
    channelDefaults: { public: true, historySize: 5_000 },
  })

  before(() => server.start())
  afterEach(closeClients)
  after(() => server.dispose())

  it('delivers all 2,000 publications in order, once, over WebSocket', async () => {
    const client = nodeClient(server.url)
    await receiveAllThroughCrash(client, server, 'numbers-ws')
    assert.equal(client.transport, 'websocket')
  })

  it('does the same over the SSE fallback when WebSocket upgrades are refused', async () => {
    const proxy = await startUpgradeRefusingProxy(server.port)
    try {
      const client = nodeClient(`http://127.0.0.1:${proxy.port}`)
      await receiveAllThroughCrash(client, server, 'numbers-sse')
      assert.equal(client.transport, 'sse')
      const ack = await client.channel('numbers-sse').publish(TOTAL + 1)
      assert.equal(ack.offset, TOTAL + 1)
    } finally {
      await proxy.close()
    }
  })

  it('publishes made around a crash and while down reach the server once each', async () => {
    const client = nodeClient(server.url)
    await waitFor(() => client.state === 'connected', 'connected')
    const channel = client.channel<number>('outbox')

    const acks = []
    for (let n = 1; n <= 50; n++) acks.push(channel.publish(n))
    // Killed with these in flight: some are stored, some not, and their acks are lost.
    await server.kill()
    await waitFor(() => client.state !== 'connected', 'the client to notice')
    for (let n = 51; n <= 100; n++) acks.push(channel.publish(n))
    assert.ok(client.pendingPublications > 50, `${client.pendingPublications} waiting`)
    await server.start()

    const results = await Promise.all(acks)
    assert.deepEqual(
      results.map((ack) => ack.offset),
      numbers(100),
    )
    assert.deepEqual(await historyData(server.url, 'outbox'), numbers(100))
  })
})
