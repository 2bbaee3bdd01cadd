/**
 * Errors of the SDK. Server errors keep the server's stable code (`forbidden`, `bad_request`,
 * ...); the SDK adds its own codes (`ClientErrorCode`, from the protocol's one code table) for
 * conditions that never reach a server.
 */
import { ClientErrorCode } from '@switchboard/protocol'

export { ClientErrorCode }

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
