/**
 * Upstream over HTTP for the SSE fallback: one request frame per `POST /client/request`, the
 * reply frame in the response body, exactly as over WebSocket.
 */
import { ErrorCode } from '@switchboard/protocol'
import { SwitchboardError, disconnectedError } from '../errors.js'
import type { ReplyBody, RequestFrame } from '../types.js'
import { settleWith } from './replies.js'

export interface HttpRequester {
  fetch: typeof fetch
  httpUrl: string
  token: string | undefined
}

/** Sends one request; rejects with the server's code, or `disconnected` on network failure. */
export async function postRequest(http: HttpRequester, frame: RequestFrame): Promise<ReplyBody> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (http.token !== undefined) headers.Authorization = `Bearer ${http.token}`

  let response: Response
  let body: Record<string, unknown>
  try {
    response = await http.fetch(`${http.httpUrl}/client/request`, {
      method: 'POST',
      headers,
      body: JSON.stringify(frame),
    })
    body = (await response.json()) as Record<string, unknown>
  } catch {
    throw disconnectedError()
  }

  return new Promise((resolve, reject) => {
    if (!response.ok && body.error === undefined) {
      reject(
        new SwitchboardError(ErrorCode.InternalError, `HTTP ${response.status} without error body`),
      )
      return
    }
    settleWith(body, { resolve, reject })
  })
}
