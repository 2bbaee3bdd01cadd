/**
 * Messages between the tabs of an origin and the tab that holds the shared connection (the
 * host), over one BroadcastChannel. Every tab hears every message; `tab` addresses one.
 */
import type { ConnectionState } from '../lifecycle.js'
import type {
  MessagePush,
  PresencePush,
  ReplyBody,
  RequestFrame,
  StreamPosition,
  SubscribedInfo,
} from '../types.js'
import type { StateDetail } from '../upstream.js'

export interface WireError {
  code: string
  message: string
}

/** From a tab to the host. */
export type TabMessage =
  | { t: 'hello'; tab: string }
  | { t: 'bye'; tab: string }
  | { t: 'wake'; tab: string }
  | { t: 'connect'; tab: string }
  | { t: 'sub'; tab: string; channel: string; since: StreamPosition | undefined }
  | { t: 'unsub'; tab: string; channel: string }
  | { t: 'req'; tab: string; rid: number; frame: RequestFrame }

/** From the host to the tabs. */
export type HostMessage =
  | { t: 'leader' }
  | { t: 'state'; state: ConnectionState; detail: StateDetail }
  | { t: 'subscribed'; info: SubscribedInfo; tab?: string }
  | { t: 'subFailed'; channel: string; error: WireError }
  | { t: 'message'; push: MessagePush }
  | { t: 'presence'; push: PresencePush }
  | { t: 'reply'; tab: string; rid: number; body?: ReplyBody; error?: WireError }
  | { t: 'push'; frame: Record<string, unknown> }

export function isHostMessage(message: TabMessage | HostMessage): message is HostMessage {
  return !('tab' in message) || message.t === 'subscribed' || message.t === 'reply'
}

/**
 * The Web Lock a tab holds for as long as it takes part: the browser releases it when the tab
 * closes or crashes, which tells the host to forget the tab's channels.
 */
export function tabLockName(busName: string, tab: string): string {
  return `${busName}:tab:${tab}`
}
