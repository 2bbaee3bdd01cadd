/**
 * @switchboard/react: hooks over a `@switchboard/client` client. Wrap the tree in
 * `<SwitchboardProvider client={client}>`, then use the hooks below it. See docs/client.md.
 */
export { SwitchboardProvider, useClient, type SwitchboardProviderProps } from './context.js'
export { useChannel, type UseChannelOptions } from './use-channel.js'
export { usePresence } from './use-presence.js'
export { useConnectionState } from './use-connection-state.js'
