/**
 * @switchboard/client: connect to a Switchboard server from browsers, Web Workers and Node 20.
 * See docs/client.md.
 */
import { Client } from './client.js'
import { resolveOptions, type ClientOptions } from './options.js'
import { Session } from './session.js'
import { canShareConnection, SharedUpstream } from './shared/shared-upstream.js'
import type { Upstream } from './upstream.js'

/** Creates a client; it connects at once unless `autoConnect` is false. */
export function createClient(options: ClientOptions): Client {
  const resolved = resolveOptions(options)
  const upstream: Upstream =
    resolved.shareConnection && canShareConnection()
      ? new SharedUpstream(resolved, () => new Session(resolved))
      : new Session(resolved)
  const client = new Client(upstream, {
    maxMessages: resolved.outboxMaxMessages,
    maxBytes: resolved.outboxMaxBytes,
  })
  if (resolved.autoConnect) client.connect()
  return client
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
