/**
 * HTTP API keys. Keys are kept as SHA-256 digests, compared in constant time against every
 * configured key, so neither the config file nor the timing of a refusal gives a key away.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { ApiKeyScope, ServerOptions } from '../config/defaults.js'

export interface ApiKey {
  /** The configured name, or `key-N` by position: what logs and metrics show. */
  readonly name: string
  readonly scopes: ReadonlySet<ApiKeyScope>
  readonly digest: Buffer
}

const ALL_SCOPES: ReadonlySet<ApiKeyScope> = new Set(['publish', 'admin'])

export class ApiKeys {
  private readonly keys: readonly ApiKey[]

  constructor(options: Pick<ServerOptions, 'apiKeys'>) {
    this.keys = options.apiKeys.map((key, index) =>
      typeof key === 'string'
        ? { name: `key-${index}`, scopes: ALL_SCOPES, digest: sha256(key) }
        : {
            name: key.name ?? `key-${index}`,
            scopes: key.scopes === undefined ? ALL_SCOPES : new Set(key.scopes),
            digest: Buffer.from(key.sha256, 'hex'),
          },
    )
  }

  /** The key matching `presented`, if any. Every key is compared, whatever matches. */
  find(presented: string): ApiKey | undefined {
    const candidate = sha256(presented)
    let found: ApiKey | undefined
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, candidate)) found ??= key
    }
    return found
  }
}

/** Hex SHA-256 of a key, as `apiKeys[].sha256` wants it. */
export function hashApiKey(key: string): string {
  return sha256(key).toString('hex')
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}
