import { ErrorCode, type ErrorBody } from '@switchboard/protocol'

/** An error with a stable code from the protocol's table, answered to the client as is. */
export class SwitchboardError extends Error {
  override name = 'SwitchboardError'

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message }
  }
}

/** The reply body for any thrown value; unexpected ones are reported as internal errors. */
export function errorBody(error: unknown): ErrorBody {
  if (error instanceof SwitchboardError) return error.toBody()
  return { code: ErrorCode.InternalError, message: 'internal error' }
}

/** HTTP status for each error code answered by the HTTP API and SSE. */
export function httpStatus(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.Unauthorized:
    case ErrorCode.TokenExpired:
      return 401
    case ErrorCode.Forbidden:
    case ErrorCode.PresenceDisabled:
      return 403
    case ErrorCode.NotFound:
      return 404
    case ErrorCode.MethodNotAllowed:
      return 405
    case ErrorCode.UnrecoverablePosition:
    case ErrorCode.VersionExists:
    case ErrorCode.RoomFenced:
      return 409
    case ErrorCode.PayloadTooLarge:
    case ErrorCode.MessageTooLarge:
    case ErrorCode.UpdateTooLarge:
    case ErrorCode.DocumentTooLarge:
      return 413
    case ErrorCode.OriginNotAllowed:
      return 403
    case ErrorCode.ConnectionGone:
      return 410
    case ErrorCode.FunctionFailed:
      return 502
    case ErrorCode.FunctionTimeout:
      return 504
    case ErrorCode.RateLimited:
    case ErrorCode.PlanLimitExceeded:
      return 429
    case ErrorCode.Unavailable:
      return 503
    case ErrorCode.InternalError:
      return 500
    default:
      return 400
  }
}
