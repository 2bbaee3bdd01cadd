/**
 * Who is calling. Connection tokens (JWTs) for WebSocket, SSE and `/client/request`; API keys
 * for the HTTP API. Neither a token nor a key is ever logged or echoed.
 *
 * A browser cannot set headers on `WebSocket` or `EventSource`, so a token is read, in order,
 * from a `Sec-WebSocket-Protocol` entry `token.<jwt>`, the `token` query parameter, or an
 * `Authorization: Bearer` header; a WebSocket may also send it in a first `connect` message.
 */
import type { IncomingMessage } from 'node:http'
import { ErrorCode } from '@switchboard/protocol'
import type { JWTPayload } from 'jose'
import type { ServerOptions } from '../config/defaults.js'
import type { ConnectionIdentity } from '../connection/connection.js'
import { clientAddress } from '../security/admission.js'
import { SwitchboardError } from '../errors.js'
import type { Plans } from '../limits/plans.js'
import type { ApiKey, ApiKeys } from './api-keys.js'
import type { AuthFailures } from './failures.js'
import { ChannelGrants } from './grants.js'
import type { TokenVerifier } from './token-verifier.js'

/** The subprotocol a browser offers beside its token entry, and the one the server selects. */
export const SUBPROTOCOL = 'switchboard'
/** Prefix of the `Sec-WebSocket-Protocol` entry that carries a token. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'token.'

export interface AuthenticatorDependencies {
  options: Pick<ServerOptions, 'auth' | 'security'>
  verifier: TokenVerifier
  apiKeys: ApiKeys
  plans: Plans
  failures: AuthFailures
}

export class Authenticator {
  constructor(private readonly deps: AuthenticatorDependencies) {}

  /**
   * The client's address, for per-address accounting: behind a trusted proxy
   * (`security.trustProxy`), the one the proxy forwarded, else the peer's.
   */
  addressOf(request: IncomingMessage): string {
    return clientAddress(request, this.deps.options.security.trustProxy)
  }

  /** The token presented in the request, if any. */
  tokenOf(request: IncomingMessage, url: URL): string | undefined {
    const protocols = request.headers['sec-websocket-protocol']
    if (protocols !== undefined) {
      for (const entry of protocols.split(',')) {
        const protocol = entry.trim()
        if (protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) {
          return protocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length)
        }
      }
    }
    const query = url.searchParams.get('token')
    if (query !== null && query !== '') return query
    return bearer(request)
  }

  /**
   * The identity of a request's connection: from its token, or anonymous when it has none and
   * anonymous clients are allowed. Refusals from an address that keeps failing are delayed.
   */
  async identify(request: IncomingMessage, url: URL): Promise<ConnectionIdentity> {
    const token = this.tokenOf(request, url)
    if (token !== undefined) return this.fromToken(token, this.addressOf(request))
    const anonymous = this.anonymous()
    if (anonymous !== undefined) return anonymous
    await this.deps.failures.failed(this.addressOf(request))
    throw new SwitchboardError(ErrorCode.Unauthorized, 'a token is required')
  }

  /** An anonymous identity, when `auth.anonymous` allows one. */
  anonymous(): ConnectionIdentity | undefined {
    if (!this.deps.options.auth.anonymous) return undefined
    return {
      user: undefined,
      info: undefined,
      plan: this.deps.plans.fallback,
      grants: undefined,
      expiresAt: undefined,
    }
  }

  /** Verifies a token; failures count towards the address's failed attempts. */
  async fromToken(token: string, address: string): Promise<ConnectionIdentity> {
    try {
      return this.identityOf(await this.deps.verifier.verify(token))
    } catch (error) {
      if (error instanceof SwitchboardError && error.code !== ErrorCode.Unavailable) {
        await this.deps.failures.failed(address)
      }
      throw error
    }
  }

  /**
   * The API key of an HTTP API request, with the scope the route needs. No key or an unknown
   * key is `unauthorized` (delayed when the address keeps failing); a key without the scope is
   * `forbidden`.
   */
  async apiKey(request: IncomingMessage, scope: 'publish' | 'admin'): Promise<ApiKey> {
    const presented = bearer(request)
    const key = presented === undefined ? undefined : this.deps.apiKeys.find(presented)
    if (key === undefined) {
      await this.deps.failures.failed(this.addressOf(request))
      throw new SwitchboardError(
        ErrorCode.Unauthorized,
        'send a valid API key as Authorization: Bearer <key>',
      )
    }
    if (!key.scopes.has(scope) && !key.scopes.has('admin')) {
      throw new SwitchboardError(
        ErrorCode.Forbidden,
        `API key ${key.name} lacks the ${scope} scope this route needs`,
      )
    }
    return key
  }

  private identityOf(payload: JWTPayload): ConnectionIdentity {
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw new SwitchboardError(ErrorCode.Unauthorized, 'token has no sub claim')
    }
    const planName = payload.plan
    if (planName !== undefined && typeof planName !== 'string') {
      throw new SwitchboardError(ErrorCode.Unauthorized, 'token plan claim must be a string')
    }
    const plan = this.deps.plans.resolve(planName)
    if (plan === undefined) {
      throw new SwitchboardError(ErrorCode.Unauthorized, `token names an unknown plan`)
    }

    let grants: ChannelGrants | undefined
    if (payload.channels !== undefined) {
      const compiled = ChannelGrants.fromClaim(payload.channels, payload.sub)
      if (typeof compiled === 'string') {
        throw new SwitchboardError(ErrorCode.Unauthorized, `token ${compiled}`)
      }
      grants = compiled
    }
    return {
      user: payload.sub,
      info: payload.info,
      plan,
      grants,
      expiresAt: payload.exp === undefined ? undefined : payload.exp * 1000,
    }
  }
}

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization
  if (header === undefined || !header.startsWith('Bearer ')) return undefined
  const value = header.slice('Bearer '.length).trim()
  return value === '' ? undefined : value
}
