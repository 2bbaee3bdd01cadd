/**
 * Matching of replies to requests by id: replies may arrive in a different order than the
 * requests went out.
 */
import { ErrorCode } from '@switchboard/protocol'
import { SwitchboardError, disconnectedError } from '../errors.js'
import type { ReplyBody } from '../types.js'

interface Pending {
  resolve(reply: ReplyBody): void
  reject(error: Error): void
}

export class PendingReplies {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()

  /** Registers a request; returns its id and the promise of its reply. */
  add(): { id: number; reply: Promise<ReplyBody> } {
    const id = this.nextId++
    const reply = new Promise<ReplyBody>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
    })
    return { id, reply }
  }

  /** Settles the request a reply frame answers; returns false when it answers none. */
  settle(frame: Record<string, unknown>): boolean {
    const id = frame.id
    if (typeof id !== 'number') return false
    const pending = this.pending.get(id)
    if (pending === undefined) return false

    this.pending.delete(id)
    settleWith(frame, pending)
    return true
  }

  /** Rejects everything still waiting, with `disconnected` unless told otherwise. */
  rejectAll(error: Error = disconnectedError()): void {
    const all = [...this.pending.values()]
    this.pending.clear()
    for (const pending of all) pending.reject(error)
  }
}

/** Resolves an `{ok: true, ...}` frame, rejects an `{error}` frame with its code. */
export function settleWith(frame: Record<string, unknown>, pending: Pending): void {
  const error = frame.error as { code?: unknown; message?: unknown } | undefined
  if (error !== undefined) {
    pending.reject(
      new SwitchboardError(
        String(error.code ?? ErrorCode.InternalError),
        String(error.message ?? ''),
      ),
    )
    return
  }
  pending.resolve(replyBody(frame))
}

/** A reply frame without its `id` and `ok` fields. */
export function replyBody(frame: Record<string, unknown>): ReplyBody {
  const body = { ...frame }
  delete body.id
  delete body.ok
  return body
}
