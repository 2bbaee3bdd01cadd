/** How `request` and `requestAll` read the replies they collected (shared by the routers). */
import { NodeHandlerError, NodeUnreachableError } from '../ports/router.js'
import type { NodeReply } from './pending.js'

/** The one reply of `request`: its value, or the error the port promises. */
export function singleReply(nodeId: string, replies: NodeReply[]): unknown {
  const reply = replies[0]
  if (reply === undefined) throw new NodeUnreachableError(nodeId)
  if (!reply.ok) throw new NodeHandlerError(nodeId, reply.message, reply.code)
  return reply.value
}

/** The values of `requestAll`: failed handlers count as no answer. */
export function replyValues(replies: NodeReply[]): unknown[] {
  return replies.flatMap((reply) => (reply.ok ? [reply.value] : []))
}
