/**
 * What a room class sees: its connections, its context and its storage. A room is one
 * instance per type and id, created on first use, that handles its events one at a time.
 */

/** A WebSocket connected to a room. */
export interface RoomConnection {
  readonly id: string
  /** The token's `sub`; undefined for anonymous connections. */
  readonly user: string | undefined
  /** Presence-style info from the token's `info` claim. */
  readonly info: unknown
  /** Labels for `ctx.connections(tag)` and `broadcast({tag})`: at most 10 of 256 characters. */
  readonly tags: readonly string[]
  setTags(tags: string[]): void
  /** A JSON value kept with the connection (at most 16 KiB as JSON). */
  readonly attachment: unknown
  setAttachment(value: unknown): void
  /** Sends a message: strings as they are, anything else as JSON. */
  send(message: unknown): void
  close(code?: number, reason?: string): void
}

/** Each call is atomic; values are JSON. */
export interface RoomStorage {
  get<T = unknown>(key: string): Promise<T | undefined>
  put(key: string, value: unknown): Promise<void>
  /** Resolves whether the key existed. */
  delete(key: string): Promise<boolean>
  list<T = unknown>(options?: { prefix?: string; limit?: number }): Promise<Map<string, T>>
  /**
   * Runs `work` with writes buffered; they are applied atomically when it resolves and
   * dropped when it throws. Reads inside see the buffered writes.
   */
  transaction<R>(work: (txn: RoomStorage) => Promise<R>): Promise<R>
  /** Sets the room's one alarm (replacing any); `onAlarm` runs at that time, even after a restart. */
  setAlarm(at: number | Date): Promise<void>
  getAlarm(): Promise<number | undefined>
  deleteAlarm(): Promise<void>
}

export interface RoomContext {
  readonly type: string
  readonly id: string
  readonly storage: RoomStorage
  /** Sends to every connection of the room but the excluded ones (or those with `tag` only). */
  broadcast(
    message: unknown,
    options?: { exclude?: Array<string | RoomConnection>; tag?: string },
  ): void
  connections(tag?: string): RoomConnection[]
}

export interface RoomRequest {
  method: string
  /** The path after `/rooms/{type}/{id}`, `/` at least. */
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  /** The body as text (at most `limits.maxHttpBodyBytes`). */
  body: string
  user: string | undefined
}

export interface RoomResponse {
  status?: number
  headers?: Record<string, string>
  /** Strings are sent as text, anything else as JSON. */
  body?: unknown
}

/** The methods a room class may define; all are optional. */
export interface Room {
  onConnect?(connection: RoomConnection, context: RoomContext): unknown
  onMessage?(connection: RoomConnection, message: string, context: RoomContext): unknown
  onClose?(connection: RoomConnection, context: RoomContext): unknown
  onAlarm?(context: RoomContext): unknown
  onRequest?(request: RoomRequest, context: RoomContext): RoomResponse | Promise<RoomResponse>
}

export type RoomClass = new () => Room
