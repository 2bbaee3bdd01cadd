/**
 * Conformance suite of the router port (see src/ports/router.ts for the guarantees).
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import {
  NodeHandlerError,
  NodeUnreachableError,
  type NodeMessage,
  type NodeRouter,
} from '../../src/ports/router.js'
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
      const received = new Map<NodeRouter, Array<{ message: NodeMessage; from: string }>>()
      for (const node of fixture.nodes) {
        const list: Array<{ message: NodeMessage; from: string }> = []
        received.set(node, list)
        node.setHandler((message, from) => {
          list.push({ message, from })
          if (message.type === 'fail') throw Object.assign(new Error('no'), { code: 'nope' })
          if (message.type === 'slow') return new Promise(() => undefined)
          if (message.type === 'later') return Promise.resolve({ node: node.nodeId, later: true })
          return { node: node.nodeId, echo: message }
        })
      }
      return { nodes: fixture.nodes, received }
    }

    it('delivers a message to the node it names only, in send order, with the sender', async () => {
      const { nodes, received } = await open()
      const [a, b] = nodes
      const sent = Array.from({ length: 100 }, (_, i) => ({ type: 'send', n: i }))
      for (const message of sent) void a.send(b.nodeId, message)
      await waitFor(() => received.get(b)!.length >= 100)
      assert.deepEqual(
        received.get(b)!.map((r) => r.message),
        sent,
      )
      assert.ok(received.get(b)!.every((r) => r.from === a.nodeId))
      assert.deepEqual(received.get(a), [])
    })

    it('drops messages for unknown nodes without an error', async () => {
      const { nodes, received } = await open()
      assert.notEqual(nodes[0].nodeId, nodes[1].nodeId)
      await nodes[0].send('no-such-node', { type: 'send', n: 1 })
      await nodes[0].send(nodes[1].nodeId, { type: 'send', n: 2 })
      await waitFor(() => received.get(nodes[1])!.length === 1)
      assert.deepEqual(received.get(nodes[1])![0]!.message, { type: 'send', n: 2 })
    })

    it('answers a request with the handler reply, awaited when it is a promise', async () => {
      const { nodes } = await open()
      const [a, b] = nodes
      assert.deepEqual(await a.request(b.nodeId, { type: 'ask', q: 1 }, 2_000), {
        node: b.nodeId,
        echo: { type: 'ask', q: 1 },
      })
      assert.deepEqual(await a.request(a.nodeId, { type: 'later' }, 2_000), {
        node: a.nodeId,
        later: true,
      })
    })

    it('rejects a request to an unknown or silent node as unreachable', async () => {
      const { nodes } = await open()
      const started = Date.now()
      await assert.rejects(nodes[0].request('no-such-node', { type: 'ask' }, 5_000), (error) => {
        assert.ok(error instanceof NodeUnreachableError)
        return true
      })
      assert.ok(Date.now() - started < 2_000, 'an unknown node is known at once, not by timeout')
      await assert.rejects(
        nodes[0].request(nodes[1].nodeId, { type: 'slow' }, 200),
        NodeUnreachableError,
      )
    })

    it('passes what the handler threw, with its code', async () => {
      const { nodes } = await open()
      await assert.rejects(nodes[0].request(nodes[1].nodeId, { type: 'fail' }, 2_000), (error) => {
        assert.ok(error instanceof NodeHandlerError)
        assert.equal(error.code, 'nope')
        assert.equal(error.message, 'no')
        return true
      })
    })

    it('requests every node, the sender included, and collects the answers', async () => {
      const { nodes } = await open()
      const replies = (await nodes[0].requestAll({ type: 'ask' }, 2_000)) as Array<{
        node: string
      }>
      assert.deepEqual(replies.map((r) => r.node).sort(), nodes.map((n) => n.nodeId).sort())
      const failed = await nodes[1].requestAll({ type: 'fail' }, 2_000)
      assert.deepEqual(failed, [])
    })

    it('answers requestAll as soon as every node replied, not at the deadline', async () => {
      const { nodes } = await open()
      const started = Date.now()
      await nodes[0].requestAll({ type: 'ask' }, 10_000)
      assert.ok(Date.now() - started < 3_000)
    })
  })
}
