/** In-memory presence: the reference implementation of the presence port. */
import type { PresenceMember } from '@switchboard/protocol'
import type { PresenceStore } from '../ports/presence.js'

interface ChannelPresence {
  /** Connection id to member. */
  connections: Map<string, PresenceMember>
  /** Member id to the number of its connections in the channel. */
  counts: Map<string, number>
}

export class MemoryPresence implements PresenceStore {
  private readonly channels = new Map<string, ChannelPresence>()

  async join(
    channel: string,
    connectionId: string,
    member: PresenceMember,
  ): Promise<{ first: boolean }> {
    let presence = this.channels.get(channel)
    if (presence === undefined) {
      presence = { connections: new Map(), counts: new Map() }
      this.channels.set(channel, presence)
    }
    if (presence.connections.has(connectionId)) return { first: false }

    presence.connections.set(connectionId, member)
    const count = presence.counts.get(member.id) ?? 0
    presence.counts.set(member.id, count + 1)
    return { first: count === 0 }
  }

  async leave(
    channel: string,
    connectionId: string,
  ): Promise<{ last: boolean; member?: PresenceMember }> {
    const presence = this.channels.get(channel)
    const member = presence?.connections.get(connectionId)
    if (presence === undefined || member === undefined) return { last: false }

    presence.connections.delete(connectionId)
    const count = (presence.counts.get(member.id) ?? 1) - 1
    if (count > 0) {
      presence.counts.set(member.id, count)
      return { last: false, member }
    }
    presence.counts.delete(member.id)
    if (presence.connections.size === 0) this.channels.delete(channel)
    return { last: true, member }
  }

  async members(channel: string): Promise<PresenceMember[]> {
    const presence = this.channels.get(channel)
    if (presence === undefined) return []
    // Later joins overwrite earlier ones, so each user shows the info of its latest join.
    const byId = new Map<string, PresenceMember>()
    for (const member of presence.connections.values()) byId.set(member.id, member)
    return [...byId.values()]
  }

  async close(): Promise<void> {}
}
