/**
 * @switchboard/client: connect to a Switchboard server from browsers, Web Workers and Node 20.
 * See docs/client.md.
 */
import { Client } from './client.js'
import { buildClient } from './create.js'
import type { ClientOptions } from './options.js'

/** Creates a client; it connects at once unless `autoConnect` is false. */
export function createClient(options: ClientOptions): Client {
  return buildClient(options, (upstream, outbox) => new Client(upstream, outbox))
}

export { Client, type ClientEvents } from './client.js'
export { Channel, type ChannelEvents, type PublishOptions } from './channel.js'
export { Presence, type PresenceEvents } from './presence.js'
export { SwitchboardError, ClientErrorCode } from './errors.js'
export type { ClientOptions, WebSocketConstructor } from './options.js'
export type { BackoffOptions } from './backoff.js'
export type { ConnectionState } from './lifecycle.js'
export type { StateDetail } from './upstream.js'
export type * from './types.js'
export { ErrorCode, CloseCode, shouldReconnect } from '@switchboard/protocol'
