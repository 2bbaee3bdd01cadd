/**
 * A node that misses a relayed update does not diverge: it notices the gap in the store's
 * clocks (or is told by its relay that its link dropped) and reloads the document from the
 * store, and its clients get what they missed. Two servers share one SQLite database and an
 * in-process relay that loses the messages a test tells it to lose.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { RELAY_GAP_WAIT_MS } from '../../src/documents/live-document.js'
import { MemoryDocumentRelayHub } from '../../src/documents/relay/memory.js'
import type { DocumentRelay, DocumentRelayHandler } from '../../src/ports/documents.js'
import { startRelayedNodes, waitSynced, waitText } from '../helpers/documents.js'
import type { TestServer } from '../helpers/server.js'

/** A relay endpoint that drops the updates it is told to drop, as a lost pub/sub message. */
class LossyRelay implements DocumentRelay {
  dropUpdates = 0
  handler: DocumentRelayHandler | undefined

  constructor(private readonly inner: DocumentRelay) {}

  setHandler(handler: DocumentRelayHandler): void {
    this.handler = handler
    this.inner.setHandler(handler)
  }
  subscribe(document: string): Promise<void> {
    return this.inner.subscribe(document)
  }
  unsubscribe(document: string): Promise<void> {
    return this.inner.unsubscribe(document)
  }
  async publishUpdate(document: string, update: Uint8Array, clock: number): Promise<void> {
    if (this.dropUpdates > 0) {
      this.dropUpdates--
      return
    }
    await this.inner.publishUpdate(document, update, clock)
  }
  publishAwareness(document: string, update: Uint8Array): Promise<void> {
    return this.inner.publishAwareness(document, update)
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

describe('documents across nodes when relayed updates are lost', () => {
  const hub = new MemoryDocumentRelayHub()
  const lossy = new LossyRelay(hub.endpoint())
  const listening = new LossyRelay(hub.endpoint())
  let cluster: Awaited<ReturnType<typeof startRelayedNodes>>
  let nodes: TestServer[] = []
  const open = (node: TestServer, name: string) => cluster.open(node, name)

  before(async () => {
    cluster = await startRelayedNodes([lossy, listening])
    nodes = cluster.nodes
  })
  after(() => cluster?.stop())

  it('reloads from the store when a later update shows a gap in the clocks', async () => {
    const a = open(nodes[0]!, 'gaps:clock')
    const b = open(nodes[1]!, 'gaps:clock')
    await waitSynced(a, b)
    a.text.insert(0, 'seen')
    await waitText(b, 'seen')

    lossy.dropUpdates = 1
    a.text.insert(4, ', lost')
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(b.text.toString(), 'seen', 'the dropped update did not arrive')

    // The next update carries a clock past the lost one: node two waits for it, then reloads.
    const started = Date.now()
    a.text.insert(10, ', found')
    await waitText(b, 'seen, lost, found', RELAY_GAP_WAIT_MS + 5_000)
    assert.ok(Date.now() - started >= RELAY_GAP_WAIT_MS / 2, 'waited for late arrivals first')
  })

  it('reloads from the store when the relay says its link was down', async () => {
    const a = open(nodes[0]!, 'gaps:link')
    const b = open(nodes[1]!, 'gaps:link')
    await waitSynced(a, b)
    a.text.insert(0, 'before')
    await waitText(b, 'before')

    lossy.dropUpdates = 1
    a.text.insert(6, ' and during')
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(b.text.toString(), 'before')

    listening.handler!.onMissed('gaps:link')
    await waitText(b, 'before and during')
  })
})
