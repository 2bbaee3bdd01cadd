/**
 * Per-client-IP admission of WebSocket and SSE connections, decided before any handshake or
 * token work so that a flood from one address costs the server almost nothing: a token bucket
 * bounds new connections per second (with a burst), and a counter bounds connections open at
 * once. Buckets of addresses with no open connection are dropped once full again, so memory
 * follows the number of active addresses, not every address ever seen.
 */
import type { IncomingMessage } from 'node:http'
import { ErrorCode } from '@switchboard/protocol'
import type { AdmissionLimits } from '../config/defaults.js'
import { SwitchboardError } from '../errors.js'
import { TokenBucket } from '../limits/token-bucket.js'

/** Suggested wait when an address is at its concurrent-connection limit, in seconds. */
const CONCURRENCY_RETRY_AFTER_S = 5
const SWEEP_INTERVAL_MS = 10_000

interface AddressState {
  /** New connections per second, with a burst. */
  bucket: TokenBucket
  open: number
}

/** A refusal: the error to answer with and the `Retry-After` value, in seconds. */
export class AdmissionRefusal extends SwitchboardError {
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(ErrorCode.RateLimited, message)
  }
}

export class Admission {
  private readonly addresses = new Map<string, AddressState>()
  private readonly sweepTimer: NodeJS.Timeout

  constructor(
    private readonly limits: Pick<
      AdmissionLimits,
      'maxConnectionsPerIp' | 'newConnectionsPerSecondPerIp' | 'newConnectionsBurstPerIp'
    >,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS)
    this.sweepTimer.unref()
  }

  /**
   * Admits one connection from `address`, or returns why not. An admitted connection must call
   * the returned release function exactly once when it closes.
   */
  admit(address: string): (() => void) | AdmissionRefusal {
    const state = this.stateOf(address)
    const { maxConnectionsPerIp, newConnectionsPerSecondPerIp } = this.limits
    if (state.open >= maxConnectionsPerIp) {
      return new AdmissionRefusal(
        `${state.open} connections open from this address, the limit ` +
          `(limits.maxConnectionsPerIp) is ${maxConnectionsPerIp}`,
        CONCURRENCY_RETRY_AFTER_S,
      )
    }
    const waitMs = state.bucket.waitMs()
    if (waitMs > 0) {
      return new AdmissionRefusal(
        `too many new connections from this address, the limit ` +
          `(limits.newConnectionsPerSecondPerIp) is ${newConnectionsPerSecondPerIp} per second`,
        Math.max(1, Math.ceil(waitMs / 1000)),
      )
    }

    state.bucket.take()
    state.open += 1
    let released = false
    return () => {
      if (released) return
      released = true
      state.open -= 1
    }
  }

  /** Connections open now from `address` (for tests and metrics). */
  openFrom(address: string): number {
    return this.addresses.get(address)?.open ?? 0
  }

  close(): void {
    clearInterval(this.sweepTimer)
  }

  private stateOf(address: string): AddressState {
    let state = this.addresses.get(address)
    if (state === undefined) {
      const { newConnectionsPerSecondPerIp, newConnectionsBurstPerIp } = this.limits
      const bucket = new TokenBucket(
        newConnectionsPerSecondPerIp,
        newConnectionsBurstPerIp,
        this.now,
      )
      state = { bucket, open: 0 }
      this.addresses.set(address, state)
    }
    return state
  }

  private sweep(): void {
    for (const [address, state] of this.addresses) {
      if (state.open === 0 && state.bucket.full()) this.addresses.delete(address)
    }
  }
}

/**
 * The client's address: the TCP peer, or with `trustProxy` the last `X-Forwarded-For` entry,
 * the one the proxy in front of the server appended (earlier entries come from the client and
 * can be forged).
 */
export function clientAddress(request: IncomingMessage, trustProxy: boolean): string {
  const peer = request.socket.remoteAddress ?? 'unknown'
  if (!trustProxy) return peer

  const header = request.headers['x-forwarded-for']
  const list = Array.isArray(header) ? header.join(',') : header
  const last = list?.split(',').at(-1)?.trim()
  return last === undefined || last === '' ? peer : last
}
