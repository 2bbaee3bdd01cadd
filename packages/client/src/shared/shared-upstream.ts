/**
 * One connection per origin: every tab's client talks to the host through a BroadcastChannel,
 * and the tabs elect the host with a Web Lock, which the browser releases when the holding tab
 * closes or crashes, so another tab takes over. Requests in flight when the host goes away
 * fail with `disconnected` (the outbox resends them with their idempotency keys) and every
 * tab registers its channels again from its own positions.
 */
import { SwitchboardError, disconnectedError } from '../errors.js'
import type { ConnectionState } from '../lifecycle.js'
import type { ResolvedOptions } from '../options.js'
import type { Session } from '../session.js'
import type { ReplyBody, RequestFrame } from '../types.js'
import type { Upstream, UpstreamHandler } from '../upstream.js'
import { ConnectionHost } from './host.js'
import { watchWakeups } from '../wakeups.js'
import { isHostMessage, tabLockName, type HostMessage, type TabMessage } from './messages.js'

interface Pending {
  resolve(body: ReplyBody): void
  reject(error: Error): void
}

/** Whether this context has what leader election needs. */
export function canShareConnection(): boolean {
  const nav = (globalThis as { navigator?: Navigator }).navigator
  return nav?.locks !== undefined && typeof globalThis.BroadcastChannel === 'function'
}

export class SharedUpstream implements Upstream {
  private readonly tab = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
  private readonly busName: string
  private readonly channels = new Set<string>()
  private readonly pending = new Map<number, Pending>()
  private nextRid = 1
  private currentState: ConnectionState = 'disconnected'
  private handler: UpstreamHandler | undefined
  private bus: BroadcastChannel | undefined
  private host: ConnectionHost | undefined
  private releaseLock: (() => void) | undefined
  /** Set once this tab holds its tab lock; only then may it register with the host. */
  private live = false
  private releaseTabLock: (() => void) | undefined
  private stopWatching: (() => void) | undefined
  private readonly onPageHide = () => this.post({ t: 'bye', tab: this.tab })

  constructor(
    options: ResolvedOptions,
    private readonly createSession: () => Session,
  ) {
    this.busName = `switchboard:${options.wsUrl}`
  }

  get state(): ConnectionState {
    return this.currentState
  }

  get holdsConnection(): boolean {
    return this.host !== undefined
  }

  start(handler: UpstreamHandler): void {
    this.handler = handler
    if (this.bus !== undefined) {
      // Already part of the shared connection: ask the host to reopen it if it closed.
      this.post({ t: 'connect', tab: this.tab })
      return
    }
    queueMicrotask(() => {
      if (this.currentState === 'disconnected') this.setState('connecting')
    })
    this.bus = new BroadcastChannel(this.busName)
    this.bus.onmessage = (event: MessageEvent<TabMessage | HostMessage>) => {
      if (isHostMessage(event.data)) this.receive(event.data)
    }
    globalThis.addEventListener?.('pagehide', this.onPageHide)
    // The host may sit in a throttled background tab: this tab's wake-ups matter too.
    this.stopWatching = watchWakeups(() => this.wake())
    this.join()
  }

  subscribe(channel: string): void {
    this.channels.add(channel)
    this.register(channel)
  }

  unsubscribe(channel: string): void {
    if (!this.channels.delete(channel)) return
    this.post({ t: 'unsub', tab: this.tab, channel })
  }

  request(frame: RequestFrame): Promise<ReplyBody> {
    if (this.currentState !== 'connected') return Promise.reject(disconnectedError())
    const rid = this.nextRid++
    return new Promise((resolve, reject) => {
      this.pending.set(rid, { resolve, reject })
      this.post({ t: 'req', tab: this.tab, rid, frame })
    })
  }

  wake(): void {
    this.post({ t: 'wake', tab: this.tab })
  }

  close(): void {
    this.post({ t: 'bye', tab: this.tab })
    globalThis.removeEventListener?.('pagehide', this.onPageHide)
    this.stopWatching?.()
    this.stopWatching = undefined
    this.host?.close()
    this.host = undefined
    this.releaseLock?.()
    this.releaseLock = undefined
    this.live = false
    this.releaseTabLock?.()
    this.releaseTabLock = undefined
    this.bus?.close()
    this.bus = undefined
    this.rejectPending()
    this.setState('closed')
  }

  /**
   * Takes this tab's lock, then joins: a host that watches the lock (see `ConnectionHost`)
   * must never find it free while the tab lives, so nothing registers before it is held.
   */
  private join(): void {
    const locks = (globalThis.navigator as Navigator).locks
    void locks.request(tabLockName(this.busName, this.tab), () => {
      if (this.bus === undefined) return undefined
      this.live = true
      this.elect()
      this.post({ t: 'hello', tab: this.tab })
      for (const channel of this.channels) this.register(channel)
      return new Promise<void>((resolve) => {
        this.releaseTabLock = resolve
      })
    })
  }

  private elect(): void {
    const locks = (globalThis.navigator as Navigator).locks
    void locks.request(this.busName, () => {
      if (this.bus === undefined) return undefined
      this.host = new ConnectionHost(this.busName, this.createSession())
      this.host.start()
      // Held until this tab closes the client or goes away.
      return new Promise<void>((resolve) => {
        this.releaseLock = resolve
      })
    })
  }

  private register(channel: string): void {
    if (!this.live) return
    const since = this.handler?.position(channel)
    this.post({ t: 'sub', tab: this.tab, channel, since })
  }

  private receive(message: HostMessage): void {
    const handler = this.handler
    if (handler === undefined) return
    switch (message.t) {
      case 'leader':
        this.rejectPending()
        this.setState('connecting')
        for (const channel of this.channels) this.register(channel)
        return
      case 'state':
        this.setState(message.state, message.detail)
        if (message.state !== 'connected') this.rejectPending()
        return
      case 'subscribed':
        if (message.tab !== undefined && message.tab !== this.tab) return
        if (this.channels.has(message.info.channel)) handler.subscribed(message.info)
        return
      case 'subFailed':
        if (!this.channels.delete(message.channel)) return
        handler.subscribeFailed(
          message.channel,
          new SwitchboardError(message.error.code, message.error.message),
        )
        return
      case 'message':
        if (this.channels.has(message.push.channel)) handler.message(message.push)
        return
      case 'presence':
        if (this.channels.has(message.push.channel)) handler.presence(message.push)
        return
      case 'push':
        handler.push(message.frame)
        return
      case 'reply': {
        if (message.tab !== this.tab) return
        const pending = this.pending.get(message.rid)
        if (pending === undefined) return
        this.pending.delete(message.rid)
        if (message.error !== undefined) {
          pending.reject(new SwitchboardError(message.error.code, message.error.message))
        } else {
          pending.resolve(message.body ?? {})
        }
        return
      }
    }
  }

  private setState(state: ConnectionState, detail = {}): void {
    const changed = state !== this.currentState
    this.currentState = state
    if (changed || state === 'connected') this.handler?.state(state, detail)
  }

  private rejectPending(): void {
    const all = [...this.pending.values()]
    this.pending.clear()
    for (const pending of all) pending.reject(disconnectedError())
  }

  private post(message: TabMessage): void {
    this.bus?.postMessage(message)
  }
}
