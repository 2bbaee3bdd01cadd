/**
 * Building a client from options: the upstream that holds the connection (this context's
 * session, or the one shared by the origin's tabs) under a `Client` or a subclass of it.
 */
import type { Client } from './client.js'
import { resolveOptions, type ClientOptions } from './options.js'
import { Session } from './session.js'
import { canShareConnection, SharedUpstream } from './shared/shared-upstream.js'
import type { Upstream } from './upstream.js'

export function buildClient<C extends Client>(
  options: ClientOptions,
  make: (upstream: Upstream, outbox: { maxMessages: number; maxBytes: number }) => C,
): C {
  const resolved = resolveOptions(options)
  const upstream: Upstream =
    resolved.shareConnection && canShareConnection()
      ? new SharedUpstream(resolved, () => new Session(resolved))
      : new Session(resolved)
  const client = make(upstream, {
    maxMessages: resolved.outboxMaxMessages,
    maxBytes: resolved.outboxMaxBytes,
  })
  if (resolved.autoConnect) client.connect()
  return client
}
