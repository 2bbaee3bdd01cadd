/**
 * Store port: a small durable key-value store for server metadata (for example the API key
 * generated in dev mode). Values are strings; a missing key reads as undefined.
 *
 * Guarantees (checked by test/conformance/store.ts): a `set` that resolved is visible to every
 * later `get`, and survives a restart for durable implementations; `delete` of a missing key
 * is a no-op.
 */
export interface KeyValueStore {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string): Promise<void>
  delete(key: string): Promise<void>
  close(): Promise<void>
}
