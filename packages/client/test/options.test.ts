import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveOptions, type ClientOptions } from '../src/options.js'

const base: ClientOptions = { url: 'https://rt.example.com/base/', transports: ['sse'] }

describe('client options', () => {
  it('derives the WebSocket and HTTP URLs, keeping a path prefix', () => {
    const resolved = resolveOptions(base)
    assert.equal(resolved.wsUrl, 'wss://rt.example.com/base')
    assert.equal(resolved.httpUrl, 'https://rt.example.com/base')
    assert.equal(resolveOptions({ ...base, url: 'ws://h:8080' }).httpUrl, 'http://h:8080')
  })

  it('applies the documented defaults', () => {
    const resolved = resolveOptions(base)
    assert.deepEqual(resolved.reconnect, {
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      stableAfterMs: 10_000,
    })
    assert.equal(resolved.heartbeatTimeoutMs, 40_000)
    assert.equal(resolved.outboxMaxMessages, 1_000)
    assert.equal(resolved.outboxMaxBytes, 1024 * 1024)
    assert.equal(resolved.shareConnection, true)
  })

  const refused: Array<[string, Partial<ClientOptions>, RegExp]> = [
    ['a relative url', { url: '/rt' }, /url must be an absolute URL/],
    ['another scheme', { url: 'ftp://h' }, /ws:, wss:, http: or https:/],
    ['no transports', { transports: [] }, /transports must list/],
    ['a zero outbox', { outbox: { maxMessages: 0 } }, /outbox\.maxMessages must be a positive/],
    ['a negative byte bound', { outbox: { maxBytes: -1 } }, /outbox\.maxBytes/],
    ['a NaN delay', { reconnect: { baseDelayMs: NaN } }, /reconnect\.baseDelayMs must be/],
    ['base above cap', { reconnect: { baseDelayMs: 9, maxDelayMs: 5 } }, /\(9\) must not exceed/],
    ['a heartbeat below the ping', { heartbeatTimeoutMs: 10, pingIntervalMs: 20 }, /must exceed/],
  ]
  // Node 20 has no global WebSocket; newer Nodes and browsers do.
  if (globalThis.WebSocket === undefined) {
    refused.push([
      'websocket with no implementation',
      { transports: ['websocket'] },
      /no WebSocket/,
    ])
  }
  for (const [what, options, message] of refused) {
    it(`refuses ${what}, naming the option`, () => {
      assert.throws(() => resolveOptions({ ...base, ...options }), message)
    })
  }
})
