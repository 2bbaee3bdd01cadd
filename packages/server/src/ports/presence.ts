/**
 * Presence port: who is in a channel. A member is a user; a user with several connections
 * subscribed to one channel is one member. Anonymous connections are members of their own,
 * with the connection id as member id.
 *
 * Guarantees every implementation gives (checked by test/conformance/presence.ts):
 * - `join` reports `first: true` only for the first connection of a user in a channel, and
 *   `leave` reports `last: true` only when the user's last connection leaves.
 * - `members` lists each user once, with the info of the user's most recent join.
 * - Leaving a channel one never joined is a no-op that reports `last: false`.
 */
import type { PresenceMember } from '@switchboard/protocol'

export interface PresenceStore {
  join(channel: string, connectionId: string, member: PresenceMember): Promise<{ first: boolean }>
  leave(channel: string, connectionId: string): Promise<{ last: boolean; member?: PresenceMember }>
  members(channel: string): Promise<PresenceMember[]>
  close(): Promise<void>
}
