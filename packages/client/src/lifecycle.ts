/**
 * What the connection does after a close: the one place that reads close codes. The ranges
 * come from the protocol's table (`shouldReconnect`): 4000-4499 retry, 4500-4999 and
 * 1003/1008 are terminal.
 */
import { CloseCode, shouldReconnect } from '@switchboard/protocol'

/** Connection states, in the order a healthy connection goes through them. */
export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed'

export interface CloseDecision {
  /** `disconnected` to retry after `delayMs`, `closed` to stop for good. */
  state: 'disconnected' | 'closed'
  /** Lower bound of the delay before the next attempt, in ms (server hint), if any. */
  minDelayMs?: number
}

export interface CloseContext {
  /** The `reconnectAfterMs` of a `disconnect` push received just before the close. */
  serverDelayMs?: number
  /** Whether the next attempt can present a fresh token (`getToken` is set). */
  canRefreshToken: boolean
  /** Whether the previous close was already `unauthorized` (a fresh token did not help). */
  lastWasUnauthorized: boolean
}

export function decideAfterClose(code: number, context: CloseContext): CloseDecision {
  // A rejected token is worth one retry when a fresh one can be fetched: tokens expire.
  if (code === CloseCode.Unauthorized) {
    const retry = context.canRefreshToken && !context.lastWasUnauthorized
    return { state: retry ? 'disconnected' : 'closed' }
  }
  if (!shouldReconnect(code)) return { state: 'closed' }
  if (context.serverDelayMs !== undefined) {
    return { state: 'disconnected', minDelayMs: context.serverDelayMs }
  }
  return { state: 'disconnected' }
}
