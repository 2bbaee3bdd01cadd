/**
 * A function behind a URL (a Lambda function URL, a Vercel or Netlify function). The event is
 * POSTed as JSON with a signature the function checks:
 *
 *   X-Switchboard-Timestamp: <ms since the epoch>
 *   X-Switchboard-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>
 *
 * A 2xx response's JSON body (or nothing) is the function's return value. Anything else, or no
 * answer within the timeout, fails the call.
 */
import { createHmac } from 'node:crypto'
import { ErrorCode } from '@switchboard/protocol'
import { SwitchboardError } from '../errors.js'
import type { FunctionEvent } from './types.js'

/** Largest response body read from a target, in bytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024

export interface HttpTarget {
  url: string
  timeoutMs: number
}

/** The signature header value for a body sent at `timestamp`. */
export function signRequest(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

export async function callHttpTarget(
  target: HttpTarget,
  secret: string,
  event: FunctionEvent,
): Promise<unknown> {
  const body = JSON.stringify(event)
  const timestamp = String(Date.now())
  const route = event.requestContext.routeKey
  let response: Response
  try {
    response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Switchboard-Timestamp': timestamp,
        'X-Switchboard-Signature': signRequest(secret, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(target.timeoutMs),
    })
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') {
      throw new SwitchboardError(
        ErrorCode.FunctionTimeout,
        `function ${route} did not answer within ${target.timeoutMs} ms`,
      )
    }
    throw new SwitchboardError(ErrorCode.FunctionFailed, `function ${route} is unreachable`)
  }

  const text = await readLimited(response, route)
  if (response.status === 401 || response.status === 403) {
    // A refusal is an answer, not a failure: $connect uses it to reject.
    return { reject: { message: text.slice(0, 200) || `refused with ${response.status}` } }
  }
  if (response.status < 200 || response.status > 299) {
    throw new SwitchboardError(
      ErrorCode.FunctionFailed,
      `function ${route} answered HTTP ${response.status}`,
    )
  }
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new SwitchboardError(ErrorCode.FunctionFailed, `function ${route} answered non-JSON`)
  }
}

async function readLimited(response: Response, route: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0)
  if (declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel()
    throw new SwitchboardError(ErrorCode.FunctionFailed, `function ${route} answered too much`)
  }
  const text = await response.text()
  if (text.length > MAX_RESPONSE_BYTES) {
    throw new SwitchboardError(ErrorCode.FunctionFailed, `function ${route} answered too much`)
  }
  return text
}
