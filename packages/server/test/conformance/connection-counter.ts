/** Conformance suite of the connection counter port (see src/ports/connection-counter.ts). */
import assert from 'node:assert/strict'
import { after, beforeEach, describe, it } from 'node:test'
import type { ConnectionCounter } from '../../src/ports/connection-counter.js'

export interface CounterFixture {
  /** Two counters sharing one count, as two nodes would. */
  nodes: [ConnectionCounter, ConnectionCounter]
  cleanup(): Promise<void>
}

export function connectionCounterConformance(
  name: string,
  create: () => Promise<CounterFixture>,
  options: { skip?: string | false } = {},
): void {
  describe(`connection counter port: ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: CounterFixture | undefined
    let a: ConnectionCounter
    let b: ConnectionCounter

    beforeEach(async () => {
      await fixture?.cleanup()
      fixture = await create()
      ;[a, b] = fixture.nodes
    })
    after(async () => fixture?.cleanup())

    it('gives a user at most max slots across nodes, and frees them on release', async () => {
      assert.equal(await a.acquire('ann', 'c1', 2), true)
      assert.equal(await b.acquire('ann', 'c2', 2), true)
      assert.equal(await b.acquire('ann', 'c3', 2), false)
      assert.equal(await a.acquire('bob', 'c4', 2), true, 'users are counted apart')
      await a.release('ann', 'c1')
      assert.equal(await b.acquire('ann', 'c3', 2), true)
      await a.release('ann', 'missing')
    })

    it('takes no second slot for a connection that holds one', async () => {
      assert.equal(await a.acquire('ann', 'c1', 1), true)
      assert.equal(await a.acquire('ann', 'c1', 1), true)
      assert.equal(await b.acquire('ann', 'c2', 1), false)
    })

    it('never exceeds max under concurrent acquires', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).acquire('ann', `c${i}`, 5)),
      )
      assert.equal(results.filter(Boolean).length, 5)
    })
  })
}
