/**
 * Conformance suite of the history port (see src/ports/history.ts for the guarantees). Every
 * implementation runs it through `historyConformance`.
 */
import assert from 'node:assert/strict'
import { after, beforeEach, describe, it } from 'node:test'
import fc from 'fast-check'
import type { AppendOptions, HistoryStore } from '../../src/ports/history.js'

export interface HistoryFixture {
  store: HistoryStore
  /** Moves the store's clock forward (a fake clock, or a real wait). */
  advance(ms: number): Promise<void>
  /** For durable stores: closes and opens the same data again. */
  reopen?: () => Promise<HistoryStore>
  cleanup(): Promise<void>
}

const OPTIONS: AppendOptions = {
  historySize: 10,
  historyTtlMs: 60_000,
  idempotencyWindowMs: 60_000,
}

export function historyConformance(name: string, create: () => Promise<HistoryFixture>): void {
  describe(`history port: ${name}`, () => {
    let fixture: HistoryFixture
    let store: HistoryStore
    let channel = ''
    let n = 0

    beforeEach(async () => {
      await fixture?.cleanup()
      fixture = await create()
      store = fixture.store
      channel = `conf:${process.pid}:${Date.now()}:${n++}`
    })
    after(async () => fixture?.cleanup())

    it('starts a channel at offset 0 and assigns offsets 1, 2, 3 in one epoch', async () => {
      assert.equal((await store.position(channel)).offset, 0)
      const a = await store.append(channel, 'message', '1', OPTIONS)
      const b = await store.append(channel, 'message', '2', OPTIONS)
      const c = await store.append(channel, 'other', '3', OPTIONS)
      assert.deepEqual([a.offset, b.offset, c.offset], [1, 2, 3])
      assert.equal(a.epoch, b.epoch)
      assert.equal(b.epoch, c.epoch)
      assert.deepEqual(await store.position(channel), { offset: 3, epoch: a.epoch })
    })

    it('reads publications after an offset, oldest first, within a limit', async () => {
      for (let i = 1; i <= 5; i++)
        await store.append(channel, `e${i}`, JSON.stringify({ i }), OPTIONS)
      const all = await store.read(channel, { afterOffset: 0, limit: 100 })
      assert.deepEqual(
        all.publications.map((p) => [p.offset, p.event, p.data]),
        [1, 2, 3, 4, 5].map((i) => [i, `e${i}`, `{"i":${i}}`]),
      )
      assert.equal(all.complete, true)
      assert.equal(all.position.offset, 5)

      const tail = await store.read(channel, { afterOffset: 3, limit: 1 })
      assert.deepEqual(
        tail.publications.map((p) => p.offset),
        [4],
      )
      assert.equal(tail.complete, true)

      const none = await store.read(channel, { afterOffset: 5, limit: 10 })
      assert.deepEqual(none.publications, [])
      assert.equal(none.complete, true)
    })

    it('keeps at most historySize publications without changing offsets', async () => {
      const options = { ...OPTIONS, historySize: 3 }
      for (let i = 1; i <= 7; i++) await store.append(channel, 'message', String(i), options)
      const read = await store.read(channel, { afterOffset: 0, limit: 100 })
      assert.deepEqual(
        read.publications.map((p) => p.offset),
        [5, 6, 7],
      )
      assert.equal(read.complete, false, 'offsets 1-4 were trimmed')
      assert.equal((await store.read(channel, { afterOffset: 4, limit: 100 })).complete, true)
      assert.equal((await store.read(channel, { afterOffset: 3, limit: 100 })).complete, false)
    })

    it('assigns offsets but keeps nothing when historySize is 0', async () => {
      const options = { ...OPTIONS, historySize: 0 }
      await store.append(channel, 'message', '1', options)
      const second = await store.append(channel, 'message', '2', options)
      assert.equal(second.offset, 2)
      const read = await store.read(channel, { afterOffset: 0, limit: 10 })
      assert.deepEqual(read.publications, [])
      assert.equal(read.complete, false)
      assert.equal((await store.read(channel, { afterOffset: 2, limit: 10 })).complete, true)
    })

    it('drops publications older than historyTtlMs', async () => {
      const options = { ...OPTIONS, historyTtlMs: 1_000 }
      await store.append(channel, 'message', '1', options)
      await fixture.advance(1_500)
      await store.append(channel, 'message', '2', options)
      const read = await store.read(channel, { afterOffset: 0, limit: 10 })
      assert.deepEqual(
        read.publications.map((p) => p.offset),
        [2],
      )
      assert.equal(read.complete, false)
    })

    it('does not append a repeated idempotency key within its window', async () => {
      const options = { ...OPTIONS, idempotencyKey: 'k1' }
      const first = await store.append(channel, 'message', '1', options)
      const again = await store.append(channel, 'message', '1', options)
      assert.equal(first.duplicate, false)
      assert.deepEqual(again, { offset: first.offset, epoch: first.epoch, duplicate: true })
      assert.equal(
        (await store.read(channel, { afterOffset: 0, limit: 10 })).publications.length,
        1,
      )

      const otherChannel = await store.append(`${channel}-b`, 'message', '1', options)
      assert.equal(otherChannel.duplicate, false, 'keys are per channel')
    })

    it('accepts a key again once its window has passed', async () => {
      const options = { ...OPTIONS, idempotencyKey: 'k2', idempotencyWindowMs: 1_000 }
      await store.append(channel, 'message', '1', options)
      await fixture.advance(1_500)
      const later = await store.append(channel, 'message', '1', options)
      assert.deepEqual([later.offset, later.duplicate], [2, false])
    })

    it('reports a position beyond the top as incomplete', async () => {
      await store.append(channel, 'message', '1', OPTIONS)
      assert.equal((await store.read(channel, { afterOffset: 9, limit: 10 })).complete, false)
    })

    it('matches a model of offsets, trimming and reads for any sequence', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.constant('append' as const), fc.nat({ max: 12 })), {
            maxLength: 40,
          }),
          fc.integer({ min: 1, max: 6 }),
          async (steps, historySize) => {
            const name = `${channel}:model:${n++}`
            const options = { ...OPTIONS, historySize }
            let top = 0
            for (const step of steps) {
              if (step === 'append') {
                top = (await store.append(name, 'message', String(top + 1), options)).offset
                continue
              }
              const read = await store.read(name, { afterOffset: step, limit: 100 })
              const oldest = Math.max(1, top - historySize + 1)
              const expected = []
              for (let o = Math.max(step + 1, oldest); o <= top; o++) expected.push(o)
              assert.deepEqual(
                read.publications.map((p) => p.offset),
                expected,
              )
              assert.equal(read.complete, step <= top && (step >= oldest - 1 || top === 0))
            }
          },
        ),
        { seed: 20_261_203, numRuns: 40 },
      )
    })

    it('keeps publications and the epoch when reopened, if durable', async (t) => {
      if (fixture.reopen === undefined) {
        t.skip('not a durable implementation')
        return
      }
      const first = await store.append(channel, 'message', '"kept"', OPTIONS)
      store = await fixture.reopen()
      const read = await store.read(channel, { afterOffset: 0, limit: 10 })
      assert.deepEqual(read.position, { offset: 1, epoch: first.epoch })
      assert.deepEqual(
        read.publications.map((p) => p.data),
        ['"kept"'],
      )
    })
  })
}
