/**
 * Router port: carries messages between the nodes of a cluster, for what only the node holding
 * a connection or a room can do (send to a connection, describe or close it, relay a room's
 * traffic). Each node has an id; a message goes to one node or to every node, with or without
 * a reply. Messages and replies are JSON values.
 *
 * Guarantees every implementation gives (checked by test/conformance/router.ts):
 * - A message sent to a node reaches that node's handler at most once, and no other node's.
 * - Messages from one sender to one node reach its handler in the order they were sent.
 * - Sending to a node that does not exist (or died) is not an error: nothing receives it.
 *   `send` is best effort and never rejects; it resolves false when the message could not
 *   even be handed to the transport (Redis unreachable). A caller that needs to know whether
 *   it arrived uses `request`.
 * - `request` resolves with the handler's reply (awaited when it is a promise). It rejects with
 *   `NodeUnreachableError` when no live node has that id, or none replied within `timeoutMs`,
 *   and with `NodeHandlerError` when the handler threw there.
 * - `requestAll` reaches every live node, the sender included, and resolves with the replies of
 *   those that answered within `timeoutMs` (a handler that threw counts as no answer); it
 *   resolves as soon as every node that received the message replied.
 */
export type NodeMessage = { type: string } & Record<string, unknown>

export type NodeHandler = (message: NodeMessage, from: string) => unknown

export interface NodeRouter {
  /** This node's id, unique among live nodes: letters, digits, `-` and `_`. */
  readonly nodeId: string
  setHandler(handler: NodeHandler): void
  /** Resolves once the message is handed to the transport: true, or false when it could not be. */
  send(nodeId: string, message: NodeMessage): Promise<boolean>
  request(nodeId: string, message: NodeMessage, timeoutMs: number): Promise<unknown>
  requestAll(message: NodeMessage, timeoutMs: number): Promise<unknown[]>
  close(): Promise<void>
}

/** No live node has the id, or it did not reply in time. */
export class NodeUnreachableError extends Error {
  constructor(readonly nodeId: string) {
    super(`node ${nodeId} did not answer`)
  }
}

/** The node's handler threw; `message` is its error's message. */
export class NodeHandlerError extends Error {
  constructor(
    readonly nodeId: string,
    message: string,
    /** The error's stable code, when it had one. */
    readonly code: string | undefined,
  ) {
    super(message)
  }
}
