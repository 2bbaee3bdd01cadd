/**
 * Conformance suite of the key-value store port (see src/ports/store.ts).
 */
import assert from 'node:assert/strict'
import { after, beforeEach, describe, it } from 'node:test'
import type { KeyValueStore } from '../../src/ports/store.js'

export interface StoreFixture {
  store: KeyValueStore
  reopen?: () => Promise<KeyValueStore>
  cleanup(): Promise<void>
}

export function storeConformance(name: string, create: () => Promise<StoreFixture>): void {
  describe(`store port: ${name}`, () => {
    let fixture: StoreFixture
    let store: KeyValueStore

    beforeEach(async () => {
      await fixture?.cleanup()
      fixture = await create()
      store = fixture.store
    })
    after(async () => fixture?.cleanup())

    it('reads back what was set, and undefined for missing keys', async () => {
      assert.equal(await store.get('missing'), undefined)
      await store.set('a', 'one')
      await store.set('a', 'two')
      assert.equal(await store.get('a'), 'two')
      await store.delete('a')
      await store.delete('a')
      assert.equal(await store.get('a'), undefined)
    })

    it('keeps values across a reopen, if durable', async (t) => {
      if (fixture.reopen === undefined) {
        t.skip('not a durable implementation')
        return
      }
      await store.set('kept', 'yes')
      store = await fixture.reopen()
      assert.equal(await store.get('kept'), 'yes')
    })
  })
}
