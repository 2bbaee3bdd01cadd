/**
 * In-process router: the reference implementation of the router port. Nodes that share one
 * `MemoryRouterNetwork` (one process: a single node, or several in a test) reach each other.
 * Messages are copied through JSON, as they would be on a wire, and delivered in a later
 * microtask, in send order.
 */
import { randomBytes } from 'node:crypto'
import type { NodeHandler, NodeMessage, NodeRouter } from '../ports/router.js'
import { replyOf, type NodeReply } from './pending.js'
import { replyValues, singleReply } from './replies.js'

/** The nodes of one process, by id. */
export class MemoryRouterNetwork {
  readonly nodes = new Map<string, MemoryRouter>()
}

export class MemoryRouter implements NodeRouter {
  readonly nodeId = randomBytes(9).toString('base64url')
  private handler: NodeHandler | undefined

  constructor(private readonly network = new MemoryRouterNetwork()) {
    network.nodes.set(this.nodeId, this)
  }

  setHandler(handler: NodeHandler): void {
    this.handler = handler
  }

  async send(nodeId: string, message: NodeMessage): Promise<boolean> {
    const node = this.network.nodes.get(nodeId)
    if (node === undefined) return true
    const copy = structuredClone(message)
    queueMicrotask(() => void node.deliver(copy, this.nodeId))
    return true
  }

  async request(nodeId: string, message: NodeMessage, timeoutMs: number): Promise<unknown> {
    const node = this.network.nodes.get(nodeId)
    const replies = node === undefined ? [] : await this.ask(node, message, timeoutMs)
    return singleReply(nodeId, replies)
  }

  async requestAll(message: NodeMessage, timeoutMs: number): Promise<unknown[]> {
    const nodes = [...this.network.nodes.values()]
    const replies = await Promise.all(nodes.map((node) => this.ask(node, message, timeoutMs)))
    return replyValues(replies.flat())
  }

  async close(): Promise<void> {
    this.network.nodes.delete(this.nodeId)
  }

  private deliver(message: NodeMessage, from: string): Promise<NodeReply> {
    return replyOf(() => this.handler?.(message, from))
  }

  /** The node's reply, or none when it does not answer within `timeoutMs`. */
  private async ask(node: MemoryRouter, message: NodeMessage, timeoutMs: number) {
    const copy = structuredClone(message)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<NodeReply[]>((resolve) => {
      timer = setTimeout(() => resolve([]), timeoutMs)
    })
    const answer = Promise.resolve().then(async () => [
      structuredClone(await node.deliver(copy, this.nodeId)),
    ])
    try {
      return await Promise.race([answer, timeout])
    } finally {
      clearTimeout(timer)
    }
  }
}
