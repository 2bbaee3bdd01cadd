import type { Channel, Message, ResetInfo } from '@switchboard/client'
import { useEffect, useRef } from 'react'
import { useClient } from './context.js'

export interface UseChannelOptions {
  /** Publications were lost (see the channel's `reset` event): reload the channel's state. */
  onReset?: (info: ResetInfo) => void
}

/**
 * Subscribes the component to a channel while it is mounted: `onMessage` gets each
 * publication once and in order, across reconnects. The latest `onMessage` is called, so it
 * need not be memoised; changing `name` moves the subscription. Returns the channel, for
 * `publish` and `history`.
 */
export function useChannel<T = unknown>(
  name: string,
  onMessage?: (message: Message<T>) => void,
  options: UseChannelOptions = {},
): Channel<T> {
  const client = useClient()
  const channel = client.channel<T>(name)
  const latest = useRef({ onMessage, onReset: options.onReset })

  // Declared before the subscription's effect, so it runs first on every commit.
  useEffect(() => {
    latest.current = { onMessage, onReset: options.onReset }
  })

  useEffect(() => {
    const stopReset = channel.on('reset', (info) => latest.current.onReset?.(info))
    const unsubscribe = channel.subscribe((message) => latest.current.onMessage?.(message))
    return () => {
      unsubscribe()
      stopReset()
    }
  }, [channel])

  return channel
}
