/**
 * The SSE gateway as a browser's plain EventSource sees it: named events, JSON data, the retry
 * hint, comment heartbeats, headers that stop proxy buffering, and errors as HTTP statuses.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { EventSource } from 'eventsource'
import { apiPost, startServer, type TestServer } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

describe('SSE gateway', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ sse: { heartbeatMs: 100, retryMs: 1_500 } })
  })
  after(() => server.stop())

  it('delivers named events of several channels to a plain EventSource', async () => {
    const source = new EventSource(`${server.url}/sse?channel=prices&channel=news`)
    const prices: unknown[] = []
    const messages: unknown[] = []
    let subscribed = 0
    source.addEventListener('priceUpdate', (event) => prices.push(JSON.parse(event.data)))
    source.addEventListener('message', (event) => messages.push(JSON.parse(event.data)))
    source.addEventListener('$subscribed', () => subscribed++)
    await waitFor(() => subscribed === 2, { message: 'both subscriptions' })

    await apiPost(`${server.url}/v1/publish`, {
      channel: 'prices',
      event: 'priceUpdate',
      data: { AAPL: 231.4 },
    })
    await apiPost(`${server.url}/v1/publish`, { channel: 'news', data: 'hello' })
    await waitFor(() => prices.length === 1 && messages.length === 1, { message: 'the events' })

    assert.deepEqual(prices, [{ AAPL: 231.4 }])
    assert.deepEqual(messages, ['hello'])
    source.close()
  })

  it('sends the retry hint, comment heartbeats and no-buffering headers', async () => {
    const controller = new AbortController()
    const response = await fetch(`${server.url}/sse?channel=quiet`, { signal: controller.signal })
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/)
    assert.equal(response.headers.get('x-accel-buffering'), 'no')
    assert.match(response.headers.get('cache-control') ?? '', /no-cache/)

    let text = ''
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    while (!/\n:\n\n/.test(text)) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value)
    }
    controller.abort()
    assert.match(text, /^retry: 1500\n/)
    assert.match(text, /\n:\n\n/, 'a comment heartbeat on an idle stream')
  })

  it('answers bad streams with an HTTP error and a code', async () => {
    const cases: Array<[string, number, string]> = [
      ['/sse', 400, 'bad_request'],
      ['/sse?channel=bad%20name', 400, 'invalid_channel'],
      ['/sse?channel=a&channel=a', 400, 'bad_request'],
      ['/sse?channel=a', 400, 'bad_request'],
    ]
    for (const [path, status, code] of cases) {
      const headers: Record<string, string> =
        path === '/sse?channel=a' ? { 'Last-Event-ID': 'not-a-position' } : {}
      const response = await fetch(`${server.url}${path}`, { headers })
      assert.equal(response.status, status, path)
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, code, path)
    }
  })
})
