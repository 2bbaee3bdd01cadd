/**
 * Room lease port: which node of a cluster runs each room. A room (`type/id`) runs on the node
 * holding its lease; the others relay their clients to that node. A lease lasts `ttlMs` unless
 * its holder renews it, so the rooms of a node that died move once their leases expire.
 *
 * Guarantees every implementation gives (checked by test/conformance/room-lease.ts):
 * - At most one node holds a room's lease at any time, as the lease store sees it.
 * - `acquire` takes a free (or expired) lease for the caller, or keeps the caller's own, and
 *   returns the holder with its fence; when another node holds it, that node and its fence.
 * - Each new holding of a room gets a fence greater than every fence given before for that
 *   room, never reused, even after expiry or release: storage that refuses writes with a fence
 *   below the highest it has seen (the room store port does) keeps a node that lost its lease
 *   without knowing it from overwriting the new holder's data.
 * - `renew` extends the caller's lease and answers true; it answers false, and extends
 *   nothing, when the lease with that fence is no longer the caller's.
 * - `release` frees the lease only if the caller still holds it with that fence.
 */
export interface RoomLease {
  /** Node id of the holder. */
  holder: string
  fence: number
}

export interface RoomLeases {
  acquire(room: string): Promise<RoomLease>
  renew(room: string, fence: number): Promise<boolean>
  release(room: string, fence: number): Promise<void>
  /** The current holder, or undefined when the lease is free. */
  holder(room: string): Promise<string | undefined>
  /** How long a lease lasts without renewal, in ms. */
  readonly ttlMs: number
}
