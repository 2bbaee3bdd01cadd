/**
 * Presence of one channel: join and leave events, and, while someone listens to `change`, the
 * member list kept current (fetched on every (re)subscribe, then updated by joins and leaves).
 */
import { ClientErrorCode } from '@switchboard/protocol'
import { Emitter } from './emitter.js'
import type { SwitchboardError } from './errors.js'
import type { Member, PresencePush } from './types.js'

export interface PresenceEvents {
  join: [member: Member]
  leave: [member: Member]
  /** The full member list, after a fetch or a join or leave. */
  change: [members: Member[]]
  error: [error: SwitchboardError]
}

export class Presence {
  private readonly emitter = new Emitter<PresenceEvents>()
  private readonly current = new Map<string, Member>()
  private fetches = 0
  /** Joins and leaves seen while the latest fetch is in flight. */
  private during: PresencePush[] | undefined

  constructor(private readonly fetchMembers: () => Promise<Member[]>) {}

  /** Members as last known; empty until the first fetch (see `change`). */
  get members(): Member[] {
    return [...this.current.values()]
  }

  on<K extends keyof PresenceEvents>(
    event: K,
    listener: (...args: PresenceEvents[K]) => void,
  ): () => void {
    return this.emitter.on(event, listener)
  }

  /** Asks the server for the channel's members now; the list and `change` follow the answer. */
  fetch(): Promise<Member[]> {
    const fetch = ++this.fetches
    const during: PresencePush[] = []
    this.during = during
    return this.fetchMembers().then(
      (members) => {
        // A slower, older fetch must not overwrite a newer list.
        if (fetch !== this.fetches) return members
        this.during = undefined
        this.current.clear()
        for (const member of members) this.current.set(member.id, member)
        // The answer may predate joins and leaves that came while it travelled: replay them.
        for (const push of during) this.record(push)
        this.emitter.emit('change', this.members)
        return this.members
      },
      (error: unknown) => {
        if (fetch === this.fetches) this.during = undefined
        throw error
      },
    )
  }

  /** @internal The channel was (re)subscribed: refresh the list if anyone watches it. */
  resync(): void {
    if (this.emitter.count('change') === 0) return
    this.fetch().catch((error: SwitchboardError) => {
      if (error.code !== ClientErrorCode.Disconnected) this.emitter.emit('error', error)
    })
  }

  /** @internal A join or leave push. */
  apply(push: PresencePush): void {
    this.during?.push(push)
    this.record(push)
    this.emitter.emit(push.type, push.member)
    this.emitter.emit('change', this.members)
  }

  private record(push: PresencePush): void {
    if (push.type === 'join') this.current.set(push.member.id, push.member)
    else this.current.delete(push.member.id)
  }
}
