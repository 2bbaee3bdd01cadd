/**
 * Gap-free recovery: a subscriber whose connection drops mid-stream reconnects with its last
 * position and ends with every publication exactly once, in order, over WebSocket and over
 * SSE's standard Last-Event-ID reconnect.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { EventSource } from 'eventsource'
import { CuttableProxy } from '../helpers/proxy.js'
import { apiPost, startServer, type TestServer } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient, type Frame } from '../helpers/ws-client.js'

const TOTAL = 1_000

describe('recovery after a dropped connection', () => {
  let server: TestServer
  let proxy: CuttableProxy
  before(async () => {
    server = await startServer({
      namespaces: { numbers: { historySize: 2_000 }, short: { historySize: 10 } },
      sse: { retryMs: 50 },
    })
    proxy = await CuttableProxy.start(server.port)
  })
  after(async () => {
    await proxy.stop()
    await server.stop()
  })

  /** Publishes 1..TOTAL from a WebSocket publisher, a batch of 50 per turn, not awaiting. */
  async function publishNumbers(channel: string, from: number, to: number): Promise<void> {
    const publisher = await TestClient.connect(server.wsUrl)
    const replies: Array<Promise<Frame>> = []
    for (let i = from; i <= to; i++) {
      replies.push(publisher.request({ action: 'publish', channel, data: i }))
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    await Promise.all(replies)
    publisher.close()
  }

  it('delivers 1,000 publications exactly once, in order, across a drop over WebSocket', async () => {
    const channel = 'numbers:ws'
    const url = `ws://127.0.0.1:${proxy.port}/ws`
    const received: number[] = []
    let position: { offset: number; epoch: string } | undefined

    let client = await TestClient.connect(url)
    const track = (c: TestClient) =>
      c.ws.on('message', (raw) => {
        const frame = JSON.parse(raw.toString())
        if (frame.type !== 'message') return
        received.push(frame.data)
        position = { offset: frame.offset, epoch: frame.epoch }
      })
    track(client)
    const first = await client.request({ action: 'subscribe', channel })
    position = { offset: first.offset, epoch: first.epoch }

    const publishing = publishNumbers(channel, 1, TOTAL)
    await waitFor(() => received.length >= 200, { message: '200 publications' })
    proxy.cutAll()
    await client.waitClosed()
    const atDrop = received.length
    await new Promise((resolve) => setTimeout(resolve, 30))

    client = await TestClient.connect(url)
    track(client)
    const resumed = await client.request({ action: 'subscribe', channel, since: position })
    assert.equal(resumed.recovered, true)
    await publishing
    await waitFor(() => received.length >= TOTAL, { message: `${TOTAL} publications` })

    assert.ok(atDrop < TOTAL, 'the drop happened mid-stream')
    assert.deepEqual(
      received,
      [...Array(TOTAL).keys()].map((i) => i + 1),
    )
    client.close()
  })

  it('delivers 1,000 publications exactly once, in order, across a drop over SSE Last-Event-ID', async () => {
    const channel = 'numbers:sse'
    const received: number[] = []
    const subscribed: Array<{ recovered?: boolean }> = []
    const source = new EventSource(`http://127.0.0.1:${proxy.port}/sse?channel=${channel}`)
    source.addEventListener('count', (event) => received.push(JSON.parse(event.data)))
    source.addEventListener('$subscribed', (event) => subscribed.push(JSON.parse(event.data)))
    await waitFor(() => subscribed.length === 1, { message: 'the SSE subscription' })

    const publishing = (async () => {
      for (let i = 1; i <= TOTAL; i += 50) {
        const publications = []
        for (let j = i; j < i + 50; j++) publications.push({ channel, event: 'count', data: j })
        await apiPost(`${server.url}/v1/publish/batch`, { publications }, undefined)
      }
    })()
    await waitFor(() => received.length >= 200, { message: '200 SSE events' })
    proxy.cutAll()
    await publishing
    await waitFor(() => received.length >= TOTAL, { message: `${TOTAL} SSE events` })

    assert.ok(subscribed.length >= 2, 'the stream reconnected')
    assert.equal(subscribed.at(-1)?.recovered, true)
    assert.deepEqual(
      received,
      [...Array(TOTAL).keys()].map((i) => i + 1),
    )
    source.close()
  })

  it('answers recovered: false when the missed publications left the history window', async () => {
    const channel = 'short:window'
    const client = await TestClient.connect(server.wsUrl)
    const first = await client.request({ action: 'subscribe', channel })
    client.close()
    for (let i = 1; i <= 25; i++) await apiPost(`${server.url}/v1/publish`, { channel, data: i })

    const again = await TestClient.connect(server.wsUrl)
    const reply = await again.request({
      action: 'subscribe',
      channel,
      since: { offset: first.offset, epoch: first.epoch },
    })
    assert.equal(reply.recovered, false)
    assert.equal(reply.offset, 25)
    await apiPost(`${server.url}/v1/publish`, { channel, data: 26 })
    await again.waitFrame((f) => f.type === 'message')
    assert.deepEqual(
      again.messages().map((m) => m.data),
      [26],
      'only live publications follow',
    )

    const otherEpoch = await again.request({
      action: 'subscribe',
      channel: 'numbers:x',
      since: { offset: 3, epoch: 'gone' },
    })
    assert.equal(otherEpoch.recovered, false)
    again.close()
  })
})
