/** Channel membership for the peer servers: which subscribers each channel has. */
export class Subscriptions<Subscriber> {
  private readonly byChannel = new Map<string, Set<Subscriber>>()

  add(channel: string, subscriber: Subscriber): void {
    let members = this.byChannel.get(channel)
    if (members === undefined) {
      members = new Set()
      this.byChannel.set(channel, members)
    }
    members.add(subscriber)
  }

  /** Removes `subscriber` from each of `channels`, dropping channels left empty. */
  removeFrom(channels: Iterable<string>, subscriber: Subscriber): void {
    for (const channel of channels) {
      const members = this.byChannel.get(channel)
      if (members === undefined) continue
      members.delete(subscriber)
      if (members.size === 0) this.byChannel.delete(channel)
    }
  }

  /** The subscribers of `channel`; empty when it has none. */
  membersOf(channel: string): ReadonlySet<Subscriber> {
    return this.byChannel.get(channel) ?? EMPTY
  }
}

const EMPTY: ReadonlySet<never> = new Set()
