/**
 * The host of the origin's shared connection: runs in the tab that won the leader election,
 * holds the one session, and relays between it and every tab (itself included).
 *
 * It keeps the position of each channel as the pushes it relayed left it, and resubscribes
 * from there; a tab that registers a channel from an older position (after a leader change)
 * fills its gap from history by itself.
 */
import { ErrorCode } from '@switchboard/protocol'
import type { SwitchboardError } from '../errors.js'
import type { Session } from '../session.js'
import type { StreamPosition } from '../types.js'
import type { UpstreamHandler } from '../upstream.js'
import { isHostMessage, tabLockName, type HostMessage, type TabMessage } from './messages.js'

export class ConnectionHost {
  private readonly tabsByChannel = new Map<string, Set<string>>()
  /** Tabs holding each document open on the shared connection (`doc.open`, `doc.close`). */
  private readonly tabsByDocument = new Map<string, Set<string>>()
  private readonly positions = new Map<string, StreamPosition>()
  private readonly bus: BroadcastChannel
  private closed = false
  /** Tabs whose lock this host waits for; aborted when the host closes. */
  private readonly watched = new Set<string>()
  private readonly unwatch = new AbortController()

  constructor(
    private readonly busName: string,
    private readonly session: Session,
  ) {
    this.bus = new BroadcastChannel(busName)
    this.bus.onmessage = (event: MessageEvent<TabMessage | HostMessage>) => {
      if (!isHostMessage(event.data)) this.receive(event.data)
    }
  }

  start(): void {
    // Tabs answer `leader` by registering their channels again.
    this.post({ t: 'leader' })
    this.session.start(this.handler)
  }

  private readonly handler: UpstreamHandler = {
    state: (state, detail) => {
      // The session closing with its host is no news for the other tabs (see `close`).
      if (!this.closed) this.post({ t: 'state', state, detail })
    },
    subscribed: (info) => {
      if (info.recovered === false || !this.positions.has(info.channel)) {
        this.positions.set(info.channel, { offset: info.offset, epoch: info.epoch })
      }
      this.post({ t: 'subscribed', info })
    },
    subscribeFailed: (channel, error: SwitchboardError) => {
      this.tabsByChannel.delete(channel)
      this.positions.delete(channel)
      this.post({ t: 'subFailed', channel, error: { code: error.code, message: error.message } })
    },
    message: (push) => {
      this.positions.set(push.channel, { offset: push.offset, epoch: push.epoch })
      this.post({ t: 'message', push })
    },
    presence: (push) => this.post({ t: 'presence', push }),
    position: (channel) => this.positions.get(channel),
    push: (frame) => this.post({ t: 'push', frame }),
  }

  /**
   * Ends this tab's hosting, e.g. when its client is closed. For the other tabs the
   * connection is only moving: they hear `disconnected`, not `closed`, so their outboxes keep
   * their publications, and the next leader's `leader` message brings them back.
   */
  close(): void {
    if (this.closed) return
    this.post({ t: 'state', state: 'disconnected', detail: {} })
    this.closed = true
    this.unwatch.abort()
    this.session.close()
    this.bus.close()
  }

  private receive(message: TabMessage): void {
    switch (message.t) {
      case 'hello':
        this.watch(message.tab)
        this.post({ t: 'state', state: this.session.state, detail: this.session.detail })
        return
      case 'wake':
        this.session.wake()
        return
      case 'connect':
        // A tab called `connect()` after the server closed the connection for good.
        if (this.session.state === 'closed') this.session.start(this.handler)
        return
      case 'bye':
        this.forget(message.tab)
        return
      case 'sub':
        this.watch(message.tab)
        this.join(message.channel, message.tab, message.since)
        return
      case 'unsub':
        this.leave(message.channel, message.tab)
        return
      case 'req': {
        // One connection holds a document for every tab: it closes with the last of them.
        const { action, doc } = message.frame
        if (typeof doc === 'string' && action === 'doc.open') this.holdDocument(doc, message.tab)
        if (typeof doc === 'string' && action === 'doc.close') {
          if (this.releaseDocument(doc, message.tab)) {
            this.post({ t: 'reply', tab: message.tab, rid: message.rid, body: {} })
            return
          }
        }
        this.session.request(message.frame).then(
          (body) => this.post({ t: 'reply', tab: message.tab, rid: message.rid, body }),
          (error: SwitchboardError) => {
            const wire = { code: error.code ?? ErrorCode.InternalError, message: error.message }
            this.post({ t: 'reply', tab: message.tab, rid: message.rid, error: wire })
          },
        )
        return
      }
    }
  }

  private holdDocument(doc: string, tab: string): void {
    const tabs = this.tabsByDocument.get(doc) ?? new Set()
    this.tabsByDocument.set(doc, tabs.add(tab))
  }

  /** Forgets `tab` as a holder of `doc`; true while other tabs still hold it. */
  private releaseDocument(doc: string, tab: string): boolean {
    const tabs = this.tabsByDocument.get(doc)
    tabs?.delete(tab)
    if (tabs !== undefined && tabs.size > 0) return true
    this.tabsByDocument.delete(doc)
    return false
  }

  private join(channel: string, tab: string, since: StreamPosition | undefined): void {
    let tabs = this.tabsByChannel.get(channel)
    const live = tabs !== undefined
    if (tabs === undefined) {
      tabs = new Set()
      this.tabsByChannel.set(channel, tabs)
      if (since !== undefined) this.positions.set(channel, since)
    }
    tabs.add(tab)
    this.session.subscribe(channel)

    // A tab joining a live subscription learns where it stands from the host's position.
    const position = this.positions.get(channel)
    if (live && position !== undefined && this.session.state === 'connected') {
      this.post({ t: 'subscribed', tab, info: { channel, ...position, recovered: true } })
    }
  }

  /**
   * Waits for the tab's lock, which the browser grants only once the tab is gone, even by a
   * crash that sent no `bye`; then drops the tab's channels.
   */
  private watch(tab: string): void {
    if (this.watched.has(tab)) return
    this.watched.add(tab)
    const locks = (globalThis.navigator as Navigator).locks
    const options = { signal: this.unwatch.signal }
    locks
      .request(tabLockName(this.busName, tab), options, () => this.forget(tab))
      .catch(() => undefined)
  }

  private forget(tab: string): void {
    this.watched.delete(tab)
    for (const channel of [...this.tabsByChannel.keys()]) this.leave(channel, tab)
    for (const doc of [...this.tabsByDocument.keys()]) {
      if (!this.tabsByDocument.get(doc)!.has(tab) || this.releaseDocument(doc, tab)) continue
      this.session.request({ action: 'doc.close', doc }).catch(() => undefined)
    }
  }

  private leave(channel: string, tab: string): void {
    const tabs = this.tabsByChannel.get(channel)
    if (tabs === undefined || !tabs.delete(tab) || tabs.size > 0) return
    this.tabsByChannel.delete(channel)
    this.positions.delete(channel)
    this.session.unsubscribe(channel)
  }

  private post(message: HostMessage): void {
    // Replies of requests that were in flight may settle after the bus closed.
    if (!this.closed) this.bus.postMessage(message)
  }
}
