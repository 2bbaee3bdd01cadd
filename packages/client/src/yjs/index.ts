/**
 * @switchboard/client/yjs: Yjs documents over the client's own connection, many at once,
 * beside its channels: `createClient(options).doc(name)` returns a provider of a `Y.Doc`.
 * `yjs`, `y-protocols` and `lib0` are peer dependencies imported only by this entry point,
 * so applications that use no documents do not ship them. See docs/documents.md.
 */
import * as Y from 'yjs'
import { DEFAULT_BACKOFF } from '../backoff.js'
import { Client } from '../client.js'
import { buildClient } from '../create.js'
import { SwitchboardError } from '../errors.js'
import type { ClientOptions } from '../options.js'
import { canShareConnection } from '../shared/shared-upstream.js'
import type { Upstream } from '../upstream.js'
import { ErrorCode, channelNameProblem } from '@switchboard/protocol'
import { DocumentProvider, type DocumentProviderOptions } from './provider.js'
import { DocumentSessions } from './sessions.js'

/** A client whose `doc(name)` opens Yjs documents on its connection. */
export class DocumentClient extends Client {
  private readonly sessions: DocumentSessions
  private readonly providers = new Map<string, DocumentProvider>()
  /** Prefix of the BroadcastChannel names of tabs sharing the connection, if they do. */
  private readonly tabsPrefix: string | undefined

  constructor(
    upstream: Upstream,
    outbox: { maxMessages: number; maxBytes: number },
    options: ClientOptions,
  ) {
    super(upstream, outbox)
    this.sessions = new DocumentSessions(this, { ...DEFAULT_BACKOFF, ...options.reconnect })
    const shared = (options.shareConnection ?? true) && canShareConnection()
    this.tabsPrefix = shared ? `switchboard-doc:${options.url}:` : undefined
  }

  /**
   * The provider of document `name`, synced over this client's connection from now on and
   * across reconnects, until `destroy()`. The same provider on every call while it lives.
   * Throws `invalid_channel` for a name the server would refuse, and a `TypeError` when the
   * document is open with another `Y.Doc` or awareness.
   */
  doc(name: string, options: DocumentProviderOptions = {}): DocumentProvider {
    const open = this.providers.get(name)
    if (open !== undefined && !open.closed) {
      const other =
        (options.doc !== undefined && options.doc !== open.doc) ||
        (options.awareness !== undefined && options.awareness !== open.awareness)
      if (other) throw new TypeError(`document ${name} is open with another Y.Doc or awareness`)
      return open
    }
    const problem = channelNameProblem(name)
    if (problem !== undefined) {
      throw new SwitchboardError(ErrorCode.InvalidChannel, problem.replace('channel', 'document'))
    }

    const tabs = this.tabsPrefix === undefined ? undefined : `${this.tabsPrefix}${name}`
    const provider = new DocumentProvider(name, options, () => new Y.Doc(), tabs)
    provider.attach(this.sessions.add(name, provider))
    this.providers.set(name, provider)
    return provider
  }
}

/** Creates a client with documents; otherwise exactly `createClient` of the main entry. */
export function createClient(options: ClientOptions): DocumentClient {
  return buildClient(options, (upstream, outbox) => new DocumentClient(upstream, outbox, options))
}

export { DocumentProvider } from './provider.js'
export type { DocumentProviderEvents, DocumentProviderOptions } from './provider.js'
export type { DocumentOpened } from './sessions.js'
