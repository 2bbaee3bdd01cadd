/**
 * In-process router: the reference implementation of the router port. Nodes that share one
 * `MemoryRouterNetwork` (one process: a single node, or several in a test) reach each other.
 */
import { randomUUID } from 'node:crypto'
import type { NodeOperation, NodeRouter } from '../ports/router.js'

/** The nodes of one process, by id. */
export class MemoryRouterNetwork {
  readonly nodes = new Map<string, MemoryRouter>()
}

export class MemoryRouter implements NodeRouter {
  readonly nodeId = randomUUID()
  private handler: ((operation: NodeOperation) => void) | undefined

  constructor(private readonly network = new MemoryRouterNetwork()) {
    network.nodes.set(this.nodeId, this)
  }

  setHandler(handler: (operation: NodeOperation) => void): void {
    this.handler = handler
  }

  async send(nodeId: string, operation: NodeOperation): Promise<void> {
    this.network.nodes.get(nodeId)?.handler?.(operation)
  }

  async broadcast(operation: NodeOperation): Promise<void> {
    for (const node of this.network.nodes.values()) node.handler?.(operation)
  }

  async close(): Promise<void> {
    this.network.nodes.delete(this.nodeId)
  }
}
