/**
 * Credentials: API keys for the HTTP API, and connection tokens (HS256 JWTs) for WebSocket
 * and SSE clients. Tokens and keys are never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { ErrorCode } from '@switchboard/protocol'
import { jwtVerify } from 'jose'
import type { ServerOptions } from './config/defaults.js'
import type { ConnectionIdentity } from './connection/connection.js'
import { SwitchboardError } from './errors.js'

/** Clock skew tolerated on `exp` and `nbf`, in seconds. */
const CLOCK_TOLERANCE_S = 5

export class Authenticator {
  private readonly keyDigests: Buffer[]
  private readonly jwtKey: Uint8Array | undefined

  constructor(private readonly options: Pick<ServerOptions, 'apiKeys' | 'auth'>) {
    this.keyDigests = options.apiKeys.map(digest)
    this.jwtKey =
      options.auth.jwtSecret === undefined
        ? undefined
        : new TextEncoder().encode(options.auth.jwtSecret)
  }

  /**
   * Whether the request carries a valid API key as `Authorization: Bearer <key>`. Digests are
   * compared in constant time, and every key is compared, so timing reveals nothing.
   */
  isApiKeyValid(request: IncomingMessage): boolean {
    const presented = bearer(request)
    if (presented === undefined) return false
    const candidate = digest(presented)
    let valid = false
    for (const key of this.keyDigests) valid = timingSafeEqual(key, candidate) || valid
    return valid
  }

  /**
   * The identity of a connecting client, from a token in the `token` query parameter or the
   * `Authorization` header. No token gives an anonymous identity when anonymous clients are
   * allowed.
   */
  async identify(request: IncomingMessage, url: URL): Promise<ConnectionIdentity> {
    const token = url.searchParams.get('token') ?? bearer(request)
    if (token === undefined || token === '') {
      if (this.options.auth.anonymous) return { user: undefined, info: undefined }
      throw new SwitchboardError(ErrorCode.Unauthorized, 'a token is required')
    }
    if (this.jwtKey === undefined) {
      throw new SwitchboardError(
        ErrorCode.Unauthorized,
        'tokens are not accepted: auth.jwtSecret is not set',
      )
    }

    try {
      const { payload } = await jwtVerify(token, this.jwtKey, {
        algorithms: ['HS256'],
        clockTolerance: CLOCK_TOLERANCE_S,
      })
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        throw new SwitchboardError(ErrorCode.Unauthorized, 'token has no sub claim')
      }
      return { user: payload.sub, info: payload.info }
    } catch (error) {
      if (error instanceof SwitchboardError) throw error
      throw new SwitchboardError(ErrorCode.Unauthorized, 'token is not valid')
    }
  }
}

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization
  if (header === undefined || !header.startsWith('Bearer ')) return undefined
  return header.slice('Bearer '.length).trim()
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}
