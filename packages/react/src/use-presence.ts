import type { Member } from '@switchboard/client'
import { useEffect, useState } from 'react'
import { useClient } from './context.js'

const ignore = () => undefined

/**
 * The members present on a channel, kept current while the component is mounted. The server
 * only tells subscribers about joins and leaves, so the hook holds a subscription of its own
 * (sharing the server-side one with any `useChannel` of the same name). Empty until the first
 * list arrives; the channel's namespace must have presence enabled.
 */
export function usePresence(name: string): Member[] {
  const client = useClient()
  const channel = client.channel(name)
  const [members, setMembers] = useState<Member[]>(() => channel.presence.members)

  useEffect(() => {
    // The listener goes first: a (re)subscribe fetches the list only while someone listens.
    const stopChange = channel.presence.on('change', setMembers)
    const alreadyLive = channel.position !== undefined
    const unsubscribe = channel.subscribe(ignore)
    setMembers(channel.presence.members)
    // A subscription that was already live will not fetch again by itself.
    if (alreadyLive) channel.presence.fetch().catch(ignore)
    return () => {
      unsubscribe()
      stopChange()
    }
  }, [channel])

  return members
}
