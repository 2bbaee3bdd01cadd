/**
 * Verification of connection tokens (JWTs) with `jose`. Every key lists the algorithms it
 * verifies, and a token is only ever checked against keys that list its header's `alg`: a
 * token claiming HS256 never meets an RSA public key, and `none` meets nothing.
 */
import {
  createRemoteJWKSet,
  errors,
  importSPKI,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose'
import { ErrorCode } from '@switchboard/protocol'
import type { ServerOptions } from '../config/defaults.js'
import { ConfigError } from '../config/load.js'
import { SwitchboardError } from '../errors.js'

type VerificationKey = Awaited<ReturnType<typeof importSPKI>> | Uint8Array

interface LoadedKey {
  readonly kid: string | undefined
  /** One imported key per algorithm: jose binds a public key to its algorithm. */
  readonly byAlgorithm: ReadonlyMap<string, VerificationKey>
}

export class TokenVerifier {
  private constructor(
    private readonly keys: readonly LoadedKey[],
    private readonly jwks: { get: JWTVerifyGetKey; algorithms: readonly string[] } | undefined,
    private readonly verifyOptions: JWTVerifyOptions,
  ) {}

  /** Imports the configured keys; a key that cannot be read fails start naming it. */
  static async create(auth: ServerOptions['auth']): Promise<TokenVerifier> {
    const keys: LoadedKey[] = []
    for (const [index, key] of auth.keys.entries()) {
      const byAlgorithm = new Map<string, VerificationKey>()
      for (const algorithm of key.algorithms) {
        byAlgorithm.set(algorithm, await importKey(key.secret, key.publicKey, algorithm, index))
      }
      keys.push({ kid: key.kid, byAlgorithm })
    }

    const jwks =
      auth.jwks === undefined
        ? undefined
        : {
            get: createRemoteJWKSet(new URL(auth.jwks.url), {
              cacheMaxAge: auth.jwks.cacheMaxAgeMs,
              cooldownDuration: auth.jwks.cooldownMs,
              timeoutDuration: auth.jwks.timeoutMs,
            }),
            algorithms: auth.jwks.algorithms,
          }

    const verifyOptions: JWTVerifyOptions = { clockTolerance: auth.clockToleranceS }
    if (auth.issuer !== undefined) verifyOptions.issuer = auth.issuer
    if (auth.audience !== undefined) verifyOptions.audience = auth.audience
    return new TokenVerifier(keys, jwks, verifyOptions)
  }

  /** Whether any key or key set is configured; without one, no token can be accepted. */
  get enabled(): boolean {
    return this.keys.length > 0 || this.jwks !== undefined
  }

  /**
   * The verified payload. Fails with `token_expired` for an expired token and `unauthorized`
   * for every other problem, with a message saying which; never with the token's content.
   */
  async verify(token: string): Promise<JWTPayload> {
    if (!this.enabled) {
      throw new SwitchboardError(
        ErrorCode.Unauthorized,
        'tokens are not accepted: no auth.keys, auth.jwtSecret or auth.jwks is configured',
      )
    }
    const header = decodeHeader(token)
    const candidates = this.keys.filter(
      (key) =>
        key.byAlgorithm.has(header.alg) &&
        (key.kid === undefined || header.kid === undefined || key.kid === header.kid),
    )

    let failure: unknown = new SwitchboardError(
      ErrorCode.Unauthorized,
      `token algorithm "${header.alg}" is not accepted`,
    )
    for (const key of candidates) {
      try {
        const verified = await jwtVerify(token, key.byAlgorithm.get(header.alg)!, {
          ...this.verifyOptions,
          algorithms: [header.alg],
        })
        return verified.payload
      } catch (error) {
        failure = error
        // A bad signature may just mean another key signed it (rotation); other failures
        // (expiry, audience) would be the same under every key.
        if (!(error instanceof errors.JWSSignatureVerificationFailed)) break
      }
    }
    if (candidates.length === 0 && this.jwks?.algorithms.includes(header.alg)) {
      try {
        const verified = await jwtVerify(token, this.jwks.get, {
          ...this.verifyOptions,
          algorithms: [...this.jwks.algorithms],
        })
        return verified.payload
      } catch (error) {
        failure = error
      }
    }
    throw toSwitchboardError(failure)
  }
}

async function importKey(
  secret: string | undefined,
  publicKey: string | undefined,
  algorithm: string,
  index: number,
): Promise<VerificationKey> {
  if (secret !== undefined) return new TextEncoder().encode(secret)
  try {
    return await importSPKI(publicKey!, algorithm)
  } catch (error) {
    throw new ConfigError(
      `auth.keys.${index}.publicKey cannot be used for ${algorithm}: ${(error as Error).message}`,
    )
  }
}

function decodeHeader(token: string): { alg: string; kid: string | undefined } {
  const encoded = token.split('.', 1)[0] ?? ''
  let header: unknown
  try {
    header = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))
  } catch {
    throw new SwitchboardError(ErrorCode.Unauthorized, 'token is not a JWT')
  }
  if (typeof header !== 'object' || header === null) {
    throw new SwitchboardError(ErrorCode.Unauthorized, 'token is not a JWT')
  }
  const { alg, kid } = header as { alg?: unknown; kid?: unknown }
  if (typeof alg !== 'string')
    throw new SwitchboardError(ErrorCode.Unauthorized, 'token has no alg')
  return { alg, kid: typeof kid === 'string' ? kid : undefined }
}

function toSwitchboardError(error: unknown): SwitchboardError {
  if (error instanceof SwitchboardError) return error
  if (error instanceof errors.JWTExpired) {
    return new SwitchboardError(ErrorCode.TokenExpired, 'token has expired')
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new SwitchboardError(
      ErrorCode.Unauthorized,
      `token claim ${error.claim} is not valid: ${error.reason}`,
    )
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new SwitchboardError(ErrorCode.Unauthorized, 'token signature is not valid')
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new SwitchboardError(ErrorCode.Unauthorized, 'no key of the key set matches the token')
  }
  if (error instanceof errors.JOSEError) {
    return new SwitchboardError(ErrorCode.Unauthorized, 'token is not valid')
  }
  // Only the key set's fetch fails otherwise (network, bad JSON): not the client's fault.
  return new SwitchboardError(
    ErrorCode.Unavailable,
    'the key set (auth.jwks.url) could not be fetched to verify the token',
  )
}
