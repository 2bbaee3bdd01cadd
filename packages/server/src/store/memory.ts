/** In-memory key-value store: the reference implementation of the store port. */
import type { KeyValueStore } from '../ports/store.js'

export class MemoryStore implements KeyValueStore {
  private readonly values = new Map<string, string>()

  async get(key: string): Promise<string | undefined> {
    return this.values.get(key)
  }

  async set(key: string, value: string): Promise<void> {
    this.values.set(key, value)
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key)
  }

  async close(): Promise<void> {}
}
