/**
 * Conformance suite of the document relay port (see src/ports/documents.ts), for relays that
 * connect nodes: the fixture gives two endpoints, as two nodes would hold.
 */
import assert from 'node:assert/strict'
import { after, beforeEach, describe, it } from 'node:test'
import type { DocumentRelay, DocumentRelayHandler } from '../../src/ports/documents.js'
import { waitFor } from '../helpers/wait.js'

export interface DocumentRelayFixture {
  nodes: [DocumentRelay, DocumentRelay]
  /**
   * Cuts the link of one node to the others and lets it come back (a relay whose links cannot
   * drop leaves this out).
   */
  dropLink?(node: 0 | 1): Promise<void>
  cleanup(): Promise<void>
}

interface Received {
  updates: { document: string; update: number[]; clock: number }[]
  awareness: { document: string; update: number[] }[]
  missed: string[]
}

function recorder(relay: DocumentRelay): Received {
  const received: Received = { updates: [], awareness: [], missed: [] }
  const handler: DocumentRelayHandler = {
    onUpdate: (document, update, clock) =>
      received.updates.push({ document, update: [...update], clock }),
    onAwareness: (document, update) => received.awareness.push({ document, update: [...update] }),
    onMissed: (document) => received.missed.push(document),
  }
  relay.setHandler(handler)
  return received
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100))

export function documentRelayConformance(
  name: string,
  create: () => Promise<DocumentRelayFixture>,
): void {
  describe(`document relay port: ${name}`, () => {
    let fixture: DocumentRelayFixture | undefined

    beforeEach(async () => {
      await fixture?.cleanup()
      fixture = await create()
    })
    after(async () => fixture?.cleanup())

    it('carries updates and awareness to the other subscribed node, never back', async () => {
      const [one, two] = fixture!.nodes
      const atOne = recorder(one)
      const atTwo = recorder(two)
      await one.subscribe('doc')
      await two.subscribe('doc')

      await one.publishUpdate('doc', new Uint8Array([1, 2]), 7)
      await one.publishAwareness('doc', new Uint8Array([3]))
      await waitFor(() => atTwo.updates.length === 1 && atTwo.awareness.length === 1)
      assert.deepEqual(atTwo.updates, [{ document: 'doc', update: [1, 2], clock: 7 }])
      assert.deepEqual(atTwo.awareness, [{ document: 'doc', update: [3] }])
      await settle()
      assert.deepEqual(atOne, { updates: [], awareness: [], missed: [] })
    })

    it('carries every byte value unchanged, in updates and awareness', async () => {
      const [one, two] = fixture!.nodes
      const atTwo = recorder(two)
      recorder(one)
      await two.subscribe('bytes')
      // Every byte value, invalid UTF-8 and line breaks included, and a large update.
      const every = Uint8Array.from({ length: 256 }, (_, i) => i)
      const large = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 256)
      await one.publishUpdate('bytes', every, 1)
      await one.publishUpdate('bytes', large, 2 ** 40)
      await one.publishAwareness('bytes', every.slice().reverse())
      await waitFor(() => atTwo.updates.length === 2 && atTwo.awareness.length === 1)
      assert.deepEqual(atTwo.updates[0], { document: 'bytes', update: [...every], clock: 1 })
      assert.deepEqual(atTwo.updates[1]!.update, [...large])
      assert.equal(atTwo.updates[1]!.clock, 2 ** 40)
      assert.deepEqual(atTwo.awareness[0]!.update, [...every].reverse())
    })

    it('keeps the publish order of one node, per document', async () => {
      const [one, two] = fixture!.nodes
      const atTwo = recorder(two)
      recorder(one)
      await two.subscribe('ordered')
      for (let clock = 1; clock <= 50; clock++) {
        await one.publishUpdate('ordered', new Uint8Array([clock]), clock)
      }
      await waitFor(() => atTwo.updates.length === 50)
      assert.deepEqual(
        atTwo.updates.map((u) => u.clock),
        Array.from({ length: 50 }, (_, i) => i + 1),
      )
    })

    it('delivers nothing for documents not subscribed, or after unsubscribe', async () => {
      const [one, two] = fixture!.nodes
      const atTwo = recorder(two)
      recorder(one)
      await one.publishUpdate('elsewhere', new Uint8Array([1]), 1)
      await two.subscribe('doc')
      await two.unsubscribe('doc')
      await one.publishUpdate('doc', new Uint8Array([2]), 2)
      await settle()
      assert.deepEqual(atTwo.updates, [])
    })

    it('keeps documents apart, each in its own publish order', async () => {
      const [one, two] = fixture!.nodes
      const atTwo = recorder(two)
      recorder(one)
      await two.subscribe('left')
      await two.subscribe('right')
      const sent = []
      for (let clock = 1; clock <= 20; clock++) {
        sent.push(
          one.publishUpdate(clock % 2 === 0 ? 'left' : 'right', new Uint8Array([clock]), clock),
        )
      }
      await Promise.all(sent)
      await waitFor(() => atTwo.updates.length === 20)
      const clocksOf = (document: string) =>
        atTwo.updates.filter((u) => u.document === document).map((u) => u.clock)
      assert.deepEqual(clocksOf('left'), [2, 4, 6, 8, 10, 12, 14, 16, 18, 20])
      assert.deepEqual(clocksOf('right'), [1, 3, 5, 7, 9, 11, 13, 15, 17, 19])
    })

    it('tells a node whose link came back to reload each document it holds', async (t) => {
      const dropLink = fixture!.dropLink
      if (dropLink === undefined) {
        t.skip('this relay has no link that can drop')
        return
      }
      const [one, two] = fixture!.nodes
      const atTwo = recorder(two)
      recorder(one)
      await two.subscribe('held')
      await two.subscribe('also-held')
      await two.unsubscribe('also-held')

      await dropLink(1)
      await waitFor(() => atTwo.missed.length >= 1, { message: 'onMissed after the link is back' })
      assert.deepEqual(atTwo.missed, ['held'])

      // And the link carries messages again.
      await waitFor(
        async () => {
          await one.publishUpdate('held', new Uint8Array([9]), 9)
          return atTwo.updates.some((u) => u.clock === 9)
        },
        { message: 'an update after the link is back', intervalMs: 100 },
      )
    })
  })
}
