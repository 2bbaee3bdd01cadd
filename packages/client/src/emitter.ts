/**
 * A tiny typed event emitter. Listeners run synchronously in the order they were added; a
 * throwing listener does not stop the others, its error is re-thrown asynchronously so that it
 * still reaches the host's error reporting.
 */
export type Listener<A extends unknown[]> = (...args: A) => void

// Listener sets are keyed by event, so each set only ever holds that event's listener type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyListener = Listener<any[]>

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<AnyListener>>()

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event)
    if (set === undefined) {
      set = new Set()
      this.listeners.set(event, set)
    }
    set.add(listener)
    return () => this.off(event, listener)
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners.get(event)?.delete(listener)
  }

  /** How many listeners an event has. */
  count<K extends keyof Events>(event: K): number {
    return this.listeners.get(event)?.size ?? 0
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.listeners.get(event)
    if (set === undefined) return
    for (const listener of [...set]) {
      try {
        listener(...args)
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }
}
