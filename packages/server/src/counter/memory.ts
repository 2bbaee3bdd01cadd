/** In-process connection counter: the reference implementation, for one node. */
import type { ConnectionCounter } from '../ports/connection-counter.js'

export class MemoryConnectionCounter implements ConnectionCounter {
  private readonly slots = new Map<string, Set<string>>()

  async acquire(user: string, connectionId: string, max: number): Promise<boolean> {
    let held = this.slots.get(user)
    if (held?.has(connectionId)) return true
    if ((held?.size ?? 0) >= max) return false
    if (held === undefined) this.slots.set(user, (held = new Set()))
    held.add(connectionId)
    return true
  }

  async release(user: string, connectionId: string): Promise<void> {
    const held = this.slots.get(user)
    held?.delete(connectionId)
    if (held?.size === 0) this.slots.delete(user)
  }

  async close(): Promise<void> {}
}
