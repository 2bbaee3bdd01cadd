/**
 * Leases of a single node: every room runs here, so every lease is this node's and never
 * lapses. The fence is 0, the lowest, since no other node ever writes a room's storage.
 */
import type { RoomLease, RoomLeases } from '../../ports/room-lease.js'

export class LocalRoomLeases implements RoomLeases {
  readonly ttlMs = Number.POSITIVE_INFINITY

  constructor(private readonly nodeId: string) {}

  async acquire(): Promise<RoomLease> {
    return { holder: this.nodeId, fence: 0 }
  }

  async renew(): Promise<boolean> {
    return true
  }

  async release(): Promise<void> {}

  async holder(): Promise<string> {
    return this.nodeId
  }
}
