/**
 * Conformance suite of the document store port (see src/ports/documents.ts).
 */
import assert from 'node:assert/strict'
import { after, beforeEach, describe, it } from 'node:test'
import * as Y from 'yjs'
import type { DocumentStore } from '../../src/ports/documents.js'

export interface DocumentStoreFixture {
  store: DocumentStore
  /** Closes and opens the store again on the same data, for durable implementations. */
  reopen?: () => Promise<DocumentStore>
  cleanup(): Promise<void>
}

const bytes = (...values: number[]) => new Uint8Array(values)

/** The incremental update of inserting `text` at the end of the doc's Y.Text `t`. */
function edit(doc: Y.Doc, text: string): Uint8Array {
  let update: Uint8Array | undefined
  const capture = (u: Uint8Array) => (update = u)
  doc.on('update', capture)
  doc.getText('t').insert(doc.getText('t').length, text)
  doc.off('update', capture)
  return update!
}

function rebuild(stored: { snapshot?: Uint8Array; updates: Uint8Array[] }): string {
  const doc = new Y.Doc()
  if (stored.snapshot !== undefined) Y.applyUpdate(doc, stored.snapshot)
  for (const update of stored.updates) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

export function documentStoreConformance(
  name: string,
  create: () => Promise<DocumentStoreFixture>,
): void {
  describe(`document store port: ${name}`, () => {
    let fixture: DocumentStoreFixture | undefined
    let store: DocumentStore

    beforeEach(async () => {
      await fixture?.cleanup()
      fixture = await create()
      store = fixture.store
    })
    after(async () => fixture?.cleanup())

    it('loads a document never written as empty', async () => {
      const loaded = await store.load('never')
      assert.deepEqual(loaded, { snapshot: undefined, snapshotClock: 0, updates: [], clock: 0 })
      assert.deepEqual(await store.listVersions('never'), [])
      assert.equal(await store.readVersion('never', 'v1'), undefined)
    })

    it('numbers appends from 1 per document and loads them in order', async () => {
      assert.equal(await store.append('a', bytes(1)), 1)
      assert.equal(await store.append('a', bytes(2, 2)), 2)
      assert.equal(await store.append('b', bytes(9)), 1)
      assert.equal(await store.append('a', bytes(3)), 3)

      const loaded = await store.load('a')
      assert.equal(loaded.clock, 3)
      assert.deepEqual(
        loaded.updates.map((u) => [...u]),
        [[1], [2, 2], [3]],
      )
    })

    it('gives concurrent appends distinct consecutive clocks', async () => {
      const clocks = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.append('c', bytes(i))),
      )
      assert.deepEqual(
        [...clocks].sort((x, y) => x - y),
        Array.from({ length: 20 }, (_, i) => i + 1),
      )
      assert.equal((await store.load('c')).updates.length, 20)
    })

    it('compaction keeps later updates, and clocks continue after it', async () => {
      const doc = new Y.Doc()
      await store.append('d', edit(doc, 'ab'))
      await store.append('d', edit(doc, 'cd'))
      await store.compact('d', Y.encodeStateAsUpdate(doc), 2)
      await store.append('d', edit(doc, 'ef'))

      const loaded = await store.load('d')
      assert.equal(loaded.snapshotClock, 2)
      assert.equal(loaded.updates.length, 1)
      assert.equal(loaded.clock, 3)
      assert.equal(rebuild(loaded), 'abcdef')
      assert.equal(await store.append('d', edit(doc, 'g')), 4)
    })

    it('ignores a compaction through a clock at or below the current snapshot', async () => {
      const doc = new Y.Doc()
      await store.append('e', edit(doc, 'x'))
      await store.append('e', edit(doc, 'y'))
      await store.compact('e', Y.encodeStateAsUpdate(doc), 2)
      await store.compact('e', bytes(0, 0), 1)

      const loaded = await store.load('e')
      assert.equal(loaded.snapshotClock, 2)
      assert.equal(rebuild(loaded), 'xy')
    })

    it('keeps named versions immutable, listed oldest first', async () => {
      const created = await store.createVersion('f', 'first', bytes(1, 2, 3))
      assert.equal(created.name, 'first')
      assert.equal(created.bytes, 3)
      await store.createVersion('f', 'second', bytes(4))
      await assert.rejects(store.createVersion('f', 'first', bytes(5)), { code: 'version_exists' })

      const versions = await store.listVersions('f')
      assert.deepEqual(
        versions.map((v) => [v.name, v.bytes]),
        [
          ['first', 3],
          ['second', 1],
        ],
      )
      assert.ok(versions.every((v) => typeof v.createdAt === 'number' && v.createdAt > 0))
      assert.deepEqual([...(await store.readVersion('f', 'first'))!], [1, 2, 3])
      assert.equal(await store.readVersion('f', 'third'), undefined)
    })

    it('keeps updates, snapshots and versions across a reopen, if durable', async (t) => {
      if (fixture?.reopen === undefined) {
        t.skip('not a durable implementation')
        return
      }
      const doc = new Y.Doc()
      await store.append('g', edit(doc, 'one'))
      await store.compact('g', Y.encodeStateAsUpdate(doc), 1)
      await store.append('g', edit(doc, ' two'))
      await store.createVersion('g', 'v', Y.encodeStateAsUpdate(doc))

      store = await fixture.reopen()
      const loaded = await store.load('g')
      assert.equal(rebuild(loaded), 'one two')
      assert.equal(loaded.clock, 2)
      assert.equal((await store.listVersions('g')).length, 1)
    })
  })
}
