import type { ConnectionState } from '@switchboard/client'
import { useCallback, useSyncExternalStore } from 'react'
import { useClient } from './context.js'

/** The client's connection state, re-rendering the component on every change. */
export function useConnectionState(): ConnectionState {
  const client = useClient()
  const subscribe = useCallback((onChange: () => void) => client.on('state', onChange), [client])
  const read = () => client.state
  return useSyncExternalStore(subscribe, read, read)
}
