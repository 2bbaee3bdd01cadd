/**
 * Document store port: the durable history of each Yjs document, as an append-only log of
 * updates on top of an optional snapshot, plus named versions.
 *
 * Guarantees every implementation gives (checked by test/conformance/documents.ts):
 * - `append` resolves only once the update is durable: it survives a crash of the process
 *   (for SQLite and PostgreSQL). It returns the update's clock: 1 for a document's first
 *   update, growing by exactly 1 per append, never reused, even after compaction.
 * - Appends to one document are atomic and totally ordered, also when several nodes append to
 *   the same document at once (each gets its own clock).
 * - `load` returns the latest snapshot (undefined when the document was never compacted) and
 *   every update with a clock above the snapshot's, oldest first. Applying them in that order
 *   to an empty `Y.Doc` rebuilds the document. A document never written loads as
 *   `{ snapshot: undefined, snapshotClock: 0, updates: [], clock: 0 }`.
 * - `compact` atomically replaces the snapshot with the given one, valid through `throughClock`,
 *   and drops the updates up to that clock; updates appended after it are kept. A compaction
 *   through a clock at or below the current snapshot's is a no-op.
 * - Named versions are immutable: `createVersion` with a name already taken for the document
 *   fails with `version_exists`. `listVersions` is oldest first; a missing version reads as
 *   undefined.
 * - Updates and snapshots are opaque bytes to the store; it never decodes them.
 */

/** A document's persisted state, as `load` returns it. */
export interface StoredDocument {
  /** The latest snapshot, a Yjs update holding the whole state through `snapshotClock`. */
  snapshot: Uint8Array | undefined
  /** The clock the snapshot is valid through; 0 without a snapshot. */
  snapshotClock: number
  /** Updates appended after the snapshot, oldest first. */
  updates: Uint8Array[]
  /** Clock of the latest append; 0 for a document never written. */
  clock: number
}

/** A named version: a snapshot kept under a name chosen by its creator. */
export interface DocumentVersion {
  name: string
  /** Creation time, in ms since the Unix epoch. */
  createdAt: number
  /** Size of the version's state, in bytes. */
  bytes: number
}

export interface DocumentStore {
  /** Appends one update durably and returns its clock. */
  append(document: string, update: Uint8Array): Promise<number>
  load(document: string): Promise<StoredDocument>
  /** Replaces the snapshot and the updates through `throughClock` with `snapshot`. */
  compact(document: string, snapshot: Uint8Array, throughClock: number): Promise<void>
  /** Keeps `state` (a full-state Yjs update) as an immutable version named `name`. */
  createVersion(document: string, name: string, state: Uint8Array): Promise<DocumentVersion>
  listVersions(document: string): Promise<DocumentVersion[]>
  readVersion(document: string, name: string): Promise<Uint8Array | undefined>
  close(): Promise<void>
}

/** What a node receives from the other nodes holding a document open. */
export interface DocumentRelayHandler {
  /** An update another node appended to the store under `clock`. */
  onUpdate(document: string, update: Uint8Array, clock: number): void
  /** An awareness update from a client of another node. */
  onAwareness(document: string, update: Uint8Array): void
  /**
   * Messages of the document may have been lost (the node's link to the others dropped and
   * is back): whatever was appended meanwhile is in the store, so reload from it.
   */
  onMissed(document: string): void
}

/**
 * Document relay port: the cluster seam. It carries each appended update and each awareness
 * update of a document to the other nodes that hold the document open, so that clients on
 * every node converge. A single node needs none (`documents/relay/local.ts`).
 *
 * Guarantees every implementation gives (checked by test/conformance/document-relay.ts):
 * - After `subscribe` resolved, the handler sees every update and awareness update published
 *   for the document by another node, until `unsubscribe`. A node never sees its own.
 * - Updates and awareness updates are opaque bytes, carried unchanged.
 * - Updates of one document published by one node arrive in the order they were published;
 *   delivery is at most once per subscribed node, and nothing is ordered across publishers.
 * - Delivery is not guaranteed: a message can be lost (a publish failed, a node's link
 *   dropped). What an update carried is in the store, since updates are published only after
 *   they are durable; the receiver notices a loss by a gap in the clocks, or is told by
 *   `onMissed` when its link came back, and reloads the document from the store.
 * - `publishUpdate` carries the update's store clock, so that a receiver knows which clocks
 *   it holds and never compacts past an update it has not applied.
 * - `publishUpdate` and `publishAwareness` may reject (the relay is unreachable); `subscribe`
 *   rejects when the node cannot receive the document's messages.
 */
export interface DocumentRelay {
  setHandler(handler: DocumentRelayHandler): void
  subscribe(document: string): Promise<void>
  unsubscribe(document: string): Promise<void>
  publishUpdate(document: string, update: Uint8Array, clock: number): Promise<void>
  publishAwareness(document: string, update: Uint8Array): Promise<void>
  close(): Promise<void>
}
