/**
 * Two servers sharing one SQLite database and joined by the in-process relay, as a cluster's
 * nodes are by a broker: providers on each node converge, see each other's awareness, and a
 * node opening the document later gets the persisted state.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MemoryDocumentRelayHub } from '../../src/documents/relay/memory.js'
import { startRelayedNodes, waitSynced, waitText } from '../helpers/documents.js'
import type { TestServer } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

describe('documents across two nodes over a relay', () => {
  const hub = new MemoryDocumentRelayHub()
  let cluster: Awaited<ReturnType<typeof startRelayedNodes>>
  let nodes: TestServer[] = []
  const open = (node: TestServer, name: string) => cluster.open(node, name)

  before(async () => {
    cluster = await startRelayedNodes([hub.endpoint(), hub.endpoint()])
    nodes = cluster.nodes
  })
  after(() => cluster?.stop())

  it('clients on two nodes converge and share awareness', async () => {
    const a = open(nodes[0]!, 'cluster:doc')
    const b = open(nodes[1]!, 'cluster:doc')
    await waitSynced(a, b)

    a.text.insert(0, 'from node one')
    await waitText(b, 'from node one')
    b.text.insert(b.text.length, ', and node two')
    a.text.insert(0, '> ')
    await waitFor(() => a.text.toString() === b.text.toString() && a.text.length === 29, {
      message: 'both nodes to converge',
    })

    b.provider.awareness.setLocalStateField('user', 'bea')
    await waitFor(
      () => (a.provider.awareness.getStates().get(b.doc.clientID) as any)?.user === 'bea',
      {
        message: "Bea's awareness on node one",
      },
    )
    b.provider.disconnect()
    await waitFor(() => !a.provider.awareness.getStates().has(b.doc.clientID), {
      message: "Bea's awareness removed on node one",
    })

    const late = open(nodes[1]!, 'cluster:doc')
    await waitSynced(late)
    assert.equal(late.text.toString(), a.text.toString())
  })
})
