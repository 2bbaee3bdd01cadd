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
  cleanup(): Promise<void>
}

interface Received {
  updates: { document: string; update: number[]; clock: number }[]
  awareness: { document: string; update: number[] }[]
}

function recorder(relay: DocumentRelay): Received {
  const received: Received = { updates: [], awareness: [] }
  const handler: DocumentRelayHandler = {
    onUpdate: (document, update, clock) =>
      received.updates.push({ document, update: [...update], clock }),
    onAwareness: (document, update) => received.awareness.push({ document, update: [...update] }),
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
      assert.deepEqual(atOne, { updates: [], awareness: [] })
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
  })
}
