/**
 * The protocol's codecs: SSE positions round-trip, the request decoder accepts every valid
 * request unchanged and never throws on anything else, and the code table stays consistent.
 * Property tests are seeded so that a failure can be replayed.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  CloseCode,
  ErrorCode,
  channelNameProblem,
  closeReason,
  decodePositions,
  decodeRequest,
  encodePositions,
  namespaceOf,
  shouldReconnect,
} from '../src/index.js'

const SEED = 20_261_203
const ERROR_CODES = new Set<string>(Object.values(ErrorCode))

const epoch = fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/)
// fast-check builds records without a prototype; clients send plain objects.
const position = fc
  .record({ offset: fc.nat({ max: Number.MAX_SAFE_INTEGER }), epoch })
  .map((value) => ({ ...value }))
const channel = fc.stringMatching(/^[A-Za-z0-9_\-.:@/=+,!~]{1,40}$/)
const id = fc.oneof(fc.integer(), fc.string({ maxLength: 64 }))
const base64 = fc
  .uint8Array({ maxLength: 64 })
  .map((bytes) => Buffer.from(bytes).toString('base64'))

/** Valid built-in requests, as a client would send them. */
const validRequest = fc.oneof(
  fc.record(
    { id, action: fc.constant('subscribe'), channel, since: position },
    {
      requiredKeys: ['action', 'channel'],
    },
  ),
  fc.record(
    { id, action: fc.constant('unsubscribe'), channel },
    { requiredKeys: ['action', 'channel'] },
  ),
  fc.record(
    {
      id,
      action: fc.constant('publish'),
      channel,
      event: fc.string({ minLength: 1, maxLength: 20 }),
      data: fc.jsonValue(),
      idempotencyKey: fc.string({ minLength: 1, maxLength: 128 }),
    },
    { requiredKeys: ['action', 'channel', 'data'] },
  ),
  fc.record(
    { id, action: fc.constant('history'), channel, since: position, limit: fc.nat(1_000) },
    { requiredKeys: ['action', 'channel'] },
  ),
  fc.record(
    { id, action: fc.constant('presence'), channel },
    { requiredKeys: ['action', 'channel'] },
  ),
  fc.record({ id, action: fc.constant('ping') }, { requiredKeys: ['action'] }),
  fc.record(
    { id, action: fc.constantFrom('doc.open', 'doc.close'), doc: channel },
    { requiredKeys: ['action', 'doc'] },
  ),
  fc.record(
    { id, action: fc.constant('doc.message'), doc: channel, data: base64 },
    { requiredKeys: ['action', 'doc', 'data'] },
  ),
  fc
    .tuple(id, channel, base64, fc.integer({ min: 2, max: 50 }), fc.nat())
    .map(([id, doc, data, parts, part]) => ({
      id,
      action: 'doc.message',
      doc,
      data,
      part: part % parts,
      parts,
    })),
)

describe('SSE positions', () => {
  it('round-trip any list of positions, known or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(position, { nil: undefined }), { minLength: 1, maxLength: 8 }),
        (positions) => {
          assert.deepEqual(decodePositions(encodePositions(positions), positions.length), positions)
        },
      ),
      { seed: SEED, numRuns: 500 },
    )
  })

  it('refuse malformed tokens and tokens for another channel count, without throwing', () => {
    assert.equal(decodePositions('5.abc,7.def', 1), undefined)
    assert.equal(decodePositions('x.abc', 1), undefined)
    assert.equal(decodePositions('-1.abc', 1), undefined)
    assert.equal(decodePositions('5.', 1), undefined)
    assert.equal(decodePositions('5.a,b', 1), undefined)
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 4 }), (token, count) => {
        const positions = decodePositions(token, count)
        if (positions !== undefined) assert.equal(positions.length, count)
      }),
      { seed: SEED, numRuns: 2_000 },
    )
  })
})

describe('request decoder', () => {
  it('accepts every valid request unchanged', () => {
    fc.assert(
      fc.property(validRequest, (request) => {
        const result = decodeRequest(JSON.stringify(request))
        assert.ok(result.ok, JSON.stringify(result))
        assert.deepEqual(result.request, JSON.parse(JSON.stringify(request)))
      }),
      { seed: SEED, numRuns: 1_000 },
    )
  })

  it('answers any input with a request or a documented code, never an exception', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      // Valid requests with one field replaced by anything: the near misses a fuzzer finds.
      fc
        .tuple(
          validRequest,
          fc.constantFrom(
            'id',
            'action',
            'channel',
            'since',
            'limit',
            'event',
            'idempotencyKey',
            'doc',
            'data',
            'part',
            'parts',
          ),
          fc.jsonValue(),
        )
        .map(([request, field, value]) => JSON.stringify({ ...request, [field]: value })),
    )
    fc.assert(
      fc.property(text, (input) => {
        const result = decodeRequest(input)
        if (result.ok) {
          assert.equal(typeof result.request.action, 'string')
          return
        }
        assert.ok(ERROR_CODES.has(result.error.code), result.error.code)
        assert.ok(result.error.message.length > 0)
      }),
      { seed: SEED, numRuns: 5_000 },
    )
  })

  it('keeps the id of a bad request so the error reply can be matched', () => {
    const result = decodeRequest(JSON.stringify({ id: 7, action: 'subscribe', channel: 3 }))
    assert.deepEqual(result, {
      ok: false,
      id: 7,
      error: { code: ErrorCode.BadRequest, message: 'channel must be a string' },
    })
    const part = decodeRequest(
      JSON.stringify({ id: 'p', action: 'doc.message', doc: 'd', data: 'AA==', part: 2, parts: 2 }),
    )
    assert.deepEqual(part, {
      ok: false,
      id: 'p',
      error: { code: ErrorCode.BadRequest, message: 'part must be an integer from 0 to parts - 1' },
    })
    assert.equal(decodeRequest('{"id":1,').ok, false)
    assert.equal(
      (decodeRequest('{"id":1,') as { error: { code: string } }).error.code,
      'invalid_json',
    )
  })
})

describe('names and codes', () => {
  it('check channel names and namespaces', () => {
    assert.equal(channelNameProblem('chat:room-1'), undefined)
    assert.equal(namespaceOf('chat:room-1:x'), 'chat')
    assert.equal(namespaceOf('news'), '')
    assert.match(channelNameProblem('') ?? '', /empty/)
    assert.match(channelNameProblem('a b') ?? '', /may hold only/)
    assert.match(channelNameProblem('x'.repeat(300)) ?? '', /300 characters, the limit is 255/)
  })

  it('give every close code a reason and a reconnect rule by range', () => {
    for (const code of Object.values(CloseCode)) {
      assert.ok(closeReason[code] !== undefined, `close code ${code} has a reason`)
    }
    assert.equal(shouldReconnect(CloseCode.SlowConsumer), true)
    assert.equal(shouldReconnect(CloseCode.ServerShutdown), true)
    assert.equal(shouldReconnect(CloseCode.Unauthorized), false)
    assert.equal(shouldReconnect(CloseCode.ForceDisconnect), false)
    assert.equal(shouldReconnect(4499), true)
    assert.equal(shouldReconnect(4500), false)
  })
})
