/**
 * The client a component tree uses, handed down by `SwitchboardProvider`. The provider does
 * not create or close the client: the application owns its lifetime, so a re-render or a
 * remount under React's strict mode never drops the connection.
 */
import type { Client } from '@switchboard/client'
import { createContext, createElement, useContext, type ReactNode } from 'react'

const ClientContext = createContext<Client | undefined>(undefined)
ClientContext.displayName = 'SwitchboardClient'

export interface SwitchboardProviderProps {
  /** The client from `createClient`; the same object for the provider's whole life. */
  client: Client
  children?: ReactNode
}

/** Makes `client` available to the hooks of every component below. */
export function SwitchboardProvider(props: SwitchboardProviderProps): ReactNode {
  return createElement(ClientContext.Provider, { value: props.client }, props.children)
}

/** The provider's client. Throws when called outside a `SwitchboardProvider`. */
export function useClient(): Client {
  const client = useContext(ClientContext)
  if (client === undefined) {
    throw new Error(
      'useClient, useChannel, usePresence and useConnectionState need a <SwitchboardProvider ' +
        'client={...}> above the component',
    )
  }
  return client
}
