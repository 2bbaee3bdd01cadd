/**
 * Requests a router sent and waits on, for the implementations that carry replies as
 * messages: each has an id, the number of replies it expects and a deadline.
 */

/** One node's answer: its handler's value, or what its handler threw. */
export type NodeReply =
  { ok: true; value: unknown } | { ok: false; message: string; code: string | undefined }

interface Pending {
  replies: NodeReply[]
  /** How many nodes received the request; unknown until the transport says. */
  expected: number | undefined
  timer: NodeJS.Timeout
  settle(): void
}

export class PendingRequests {
  private readonly pending = new Map<number, Pending>()
  private nextId = 1

  /**
   * Registers a request. Its promise resolves with the replies once as many came as `expect`
   * was told, or at the deadline with those that came.
   */
  open(timeoutMs: number): {
    id: number
    replies: Promise<NodeReply[]>
    expect(count: number): void
  } {
    const id = this.nextId++
    let resolve!: (replies: NodeReply[]) => void
    const replies = new Promise<NodeReply[]>((r) => (resolve = r))
    const entry: Pending = {
      replies: [],
      expected: undefined,
      timer: setTimeout(() => entry.settle(), timeoutMs),
      settle: () => {
        clearTimeout(entry.timer)
        this.pending.delete(id)
        resolve(entry.replies)
      },
    }
    entry.timer.unref()
    this.pending.set(id, entry)
    // A reply can arrive before the transport reports how many nodes received the request.
    const expect = (count: number) => {
      entry.expected = count
      if (entry.replies.length >= count) entry.settle()
    }
    return { id, replies, expect }
  }

  reply(id: number, reply: NodeReply): void {
    const entry = this.pending.get(id)
    if (entry === undefined) return
    entry.replies.push(reply)
    if (entry.expected !== undefined && entry.replies.length >= entry.expected) entry.settle()
  }

  /** Settles every waiting request with the replies it has, when the router closes. */
  closeAll(): void {
    for (const entry of [...this.pending.values()]) entry.settle()
  }
}

/** What a handler's outcome becomes on the wire. */
export async function replyOf(work: () => unknown): Promise<NodeReply> {
  try {
    return { ok: true, value: (await work()) ?? null }
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return {
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      code: typeof code === 'string' ? code : undefined,
    }
  }
}
