/**
 * Router port: carries connection-level operations (send to a connection or a user,
 * disconnect a user) to the node that holds the connection. Each node has an id; operations go
 * to one node or to every node.
 *
 * Guarantees every implementation gives (checked by test/conformance/router.ts):
 * - An operation sent to a node reaches that node's handler at most once, and no other node's.
 * - A broadcast reaches every live node's handler, the sender's included, at most once each.
 * - Operations from one sender to one node arrive in the order they were sent.
 * - Sending to a node that does not exist (or died) is not an error: nothing receives it.
 *   Delivery is best effort; a caller that needs to know uses a reply of its own.
 */
export type NodeOperation =
  | { type: 'send'; connectionId: string; data: string }
  | { type: 'sendUser'; user: string; data: string }
  | { type: 'disconnectUser'; user: string; code: number }

export interface NodeRouter {
  /** This node's id, unique among live nodes. */
  readonly nodeId: string
  setHandler(handler: (operation: NodeOperation) => void): void
  /** Resolves once the operation is handed to the transport. */
  send(nodeId: string, operation: NodeOperation): Promise<void>
  broadcast(operation: NodeOperation): Promise<void>
  close(): Promise<void>
}
