/**
 * Errors of the SDK. Server errors keep the server's stable code (`forbidden`, `bad_request`,
 * ...); the SDK adds its own codes for conditions that never reach a server.
 */

/** Codes raised by the SDK itself, next to the server's `ErrorCode` strings. */
export const ClientErrorCode = {
  /** The connection was lost before the reply arrived; the SDK retries where it is safe. */
  Disconnected: 'disconnected',
  /** `client.close()` was called, or the server closed the connection for good. */
  Closed: 'closed',
  /** The offline outbox is full; see `outbox.maxMessages` and `outbox.maxBytes`. */
  OutboxFull: 'outbox_full',
} as const
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode]

export class SwitchboardError extends Error {
  override readonly name = 'SwitchboardError'

  constructor(
    /** A server `ErrorCode` string or a `ClientErrorCode`. */
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export function disconnectedError(): SwitchboardError {
  return new SwitchboardError(ClientErrorCode.Disconnected, 'the connection was lost')
}
