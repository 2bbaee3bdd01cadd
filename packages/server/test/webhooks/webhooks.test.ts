/**
 * Webhooks against a real receiver that fails its first attempts: every event arrives, signed,
 * retries carry the same ids, and filters by type, namespace and source hold.
 */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { apiGet, apiPost, startServer, type TestServer } from '../helpers/server.js'
import { signedToken } from '../helpers/tokens.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'

const SECRET = 'webhook-secret-0123456789-0123456789'

interface Receiver {
  server: Server
  url: string
  /** Every event of every delivery attempt, duplicates included. */
  received: any[]
  /** The events of the deliveries answered 200. */
  accepted: any[]
  badSignatures: number
}

/** A receiver that answers 503 to the first `failures` deliveries, after reading them. */
async function receiver(failures: number): Promise<Receiver> {
  const state = { received: [], accepted: [], badSignatures: 0 } as unknown as Receiver
  let attempts = 0
  state.server = createServer((request, response) => {
    // Only deliveries count: a stray client of another test may find this port reused.
    if (request.method !== 'POST' || request.url !== '/hook') {
      response.writeHead(404).end()
      return
    }
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      const timestamp = request.headers['x-switchboard-timestamp'] as string
      const expected = `v1=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`
      if (request.headers['x-switchboard-signature'] !== expected) state.badSignatures++
      const { events } = JSON.parse(body) as { events: unknown[] }
      state.received.push(...events)
      const refused = ++attempts <= failures
      if (!refused) state.accepted.push(...events)
      response.writeHead(refused ? 503 : 200).end()
    })
  })
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/hook`
  return state
}

const unique = (events: any[]) => [...new Map(events.map((e) => [e.id, e])).values()]

describe('webhooks', () => {
  let everything: Receiver
  let chatOnly: Receiver
  let server: TestServer

  before(async () => {
    everything = await receiver(2)
    chatOnly = await receiver(0)
    server = await startServer({
      namespaces: { chat: { presence: true } },
      webhooks: [
        { url: everything.url, secret: SECRET, batchWindowMs: 30 },
        {
          url: chatOnly.url,
          secret: SECRET,
          events: ['publication'],
          namespaces: ['chat'],
          sources: ['client'],
        },
      ],
    })
  })
  after(async () => {
    await server.stop()
    everything.server.close()
    chatOnly.server.close()
  })

  it('delivers every event at least once, signed, retries keeping their ids', async () => {
    const client = await TestClient.connect(
      `${server.wsUrl}?token=${await signedToken({ sub: 'ann' })}`,
    )
    await client.request({ action: 'subscribe', channel: 'chat:a' })
    await client.request({ action: 'publish', channel: 'chat:a', data: { n: 1 } })
    await apiPost(`${server.url}/v1/publish`, { channel: 'chat:a', data: { n: 2 } })
    await apiPost(`${server.url}/v1/publish`, { channel: 'news', data: { n: 3 } })
    await client.request({ action: 'unsubscribe', channel: 'chat:a' })

    const expected = [
      'channel_occupied',
      'member_added',
      'publication',
      'publication',
      'publication',
      'channel_vacated',
      'member_removed',
    ]
    // Accepted, not merely received: a refused batch is received before its retry.
    await waitFor(() => unique(everything.accepted).length === expected.length, {
      timeoutMs: 15_000,
      message: 'every event',
    })
    const events = unique(everything.received)
    assert.deepEqual(events.map((e) => e.type).sort(), [...expected].sort())
    assert.equal(everything.badSignatures, 0)
    assert.ok(everything.received.length > events.length, 'the failed attempts were retried')
    const member = events.find((e) => e.type === 'member_added')
    assert.deepEqual([member.channel, member.member.id], ['chat:a', 'ann'])
    const first = events.find((e) => e.type === 'publication' && e.data.n === 1)
    assert.deepEqual([first.source, first.offset, typeof first.epoch], ['client', 1, 'string'])

    // The node counts a delivery once the receiver's answer is back: poll the metrics.
    const delivered = /switchboard_webhook_events_total\{webhook="[^"]+",outcome="delivered"\} 7/
    let metrics = ''
    await waitFor(
      async () => delivered.test((metrics = (await apiGet(`${server.url}/metrics`, null)).body)),
      { message: 'seven delivered events in /metrics' },
    )
    assert.match(
      metrics,
      /switchboard_webhook_events_total\{webhook="[^"]+",outcome="retried"\} [1-9]/,
    )
    client.close()
  })

  it('filters by type, namespace and source', async () => {
    await waitFor(() => chatOnly.received.length >= 1, { message: 'the chat publication' })
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.deepEqual(
      chatOnly.received.map((e) => [e.type, e.channel, e.data.n]),
      [['publication', 'chat:a', 1]],
    )
  })
})
