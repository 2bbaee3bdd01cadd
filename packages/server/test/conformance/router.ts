/**
 * Conformance suite of the router port (see src/ports/router.ts for the guarantees).
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import type { NodeOperation, NodeRouter } from '../../src/ports/router.js'
import { waitFor } from '../helpers/wait.js'

export interface RouterFixture {
  /** Two nodes that reach each other. */
  nodes: [NodeRouter, NodeRouter]
  cleanup(): Promise<void>
}

export function routerConformance(name: string, create: () => Promise<RouterFixture>): void {
  describe(`router port: ${name}`, () => {
    let fixture: RouterFixture | undefined
    afterEach(async () => fixture?.cleanup())

    async function open() {
      fixture = await create()
      const received = new Map<NodeRouter, NodeOperation[]>()
      for (const node of fixture.nodes) {
        const list: NodeOperation[] = []
        received.set(node, list)
        node.setHandler((operation) => list.push(operation))
      }
      return { nodes: fixture.nodes, received }
    }

    it('delivers an operation to the node it names only, in send order', async () => {
      const { nodes, received } = await open()
      const [a, b] = nodes
      const sent = Array.from({ length: 100 }, (_, i) => ({
        type: 'send' as const,
        connectionId: 'c1',
        data: String(i),
      }))
      for (const operation of sent) await a.send(b.nodeId, operation)
      await waitFor(() => received.get(b)!.length >= 100)
      assert.deepEqual(received.get(b), sent)
      assert.deepEqual(received.get(a), [])
    })

    it('broadcasts to every node, the sender included', async () => {
      const { nodes, received } = await open()
      const operation = { type: 'disconnectUser' as const, user: 'ann', code: 4503 }
      await nodes[0].broadcast(operation)
      await waitFor(() => nodes.every((node) => received.get(node)!.length === 1))
      for (const node of nodes) assert.deepEqual(received.get(node), [operation])
    })

    it('drops operations for unknown nodes without an error', async () => {
      const { nodes, received } = await open()
      assert.notEqual(nodes[0].nodeId, nodes[1].nodeId)
      await nodes[0].send('no-such-node', { type: 'sendUser', user: 'ann', data: '1' })
      await nodes[0].send(nodes[1].nodeId, { type: 'sendUser', user: 'ann', data: '2' })
      await waitFor(() => received.get(nodes[1])!.length === 1)
      assert.deepEqual(received.get(nodes[1]), [{ type: 'sendUser', user: 'ann', data: '2' }])
    })
  })
}
