/**
 * Connection counter port: how many connections each user holds, across every node, for the
 * plans' `maxConnectionsPerUser`. A slot is one connection of one user.
 *
 * Guarantees every implementation gives (checked by test/conformance/connection-counter.ts):
 * - `acquire` is atomic: it takes a slot only while the user holds fewer than `max`, so
 *   concurrent acquires on any nodes never exceed `max`.
 * - `release` frees the slot at once; releasing a slot not held is a no-op.
 * - Acquiring a slot already held succeeds without taking another.
 * - Slots of a node that stopped (crashed) are freed within the implementation's expiry.
 */
export interface ConnectionCounter {
  acquire(user: string, connectionId: string, max: number): Promise<boolean>
  release(user: string, connectionId: string): Promise<void>
  close(): Promise<void>
}
