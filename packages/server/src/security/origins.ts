/**
 * The browser-origin allowlist (`security.allowedOrigins`). Browsers send `Origin` on every
 * WebSocket handshake and cross-origin request, and scripts cannot forge it; checking it stops
 * a foreign page from riding a user's network position or cookies into `/ws`, `/sse` and
 * `/client/request`. Non-browser clients send no `Origin` and are judged by their token alone.
 */

/** One entry of the allowlist, parsed once. */
interface OriginPattern {
  scheme: string
  /** Exact host, or for `*.example.com` the suffix `.example.com`. */
  host: string
  wildcard: boolean
  /** Explicit port, or '' for the scheme's default. */
  port: string
}

const PATTERN = /^(https?):\/\/(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/

/**
 * Parses an allowlist entry: `*`, an exact origin `https://app.example.com[:port]`, or a
 * wildcard `https://*.example.com`, which matches any subdomain but not `example.com` itself.
 * Returns a message describing what is wrong, or the pattern.
 */
export function parseOriginPattern(entry: string): OriginPattern | string {
  const match = PATTERN.exec(entry.toLowerCase())
  if (match === null) {
    return 'must be "*", "scheme://host[:port]" or "scheme://*.domain[:port]", without a path'
  }
  const [, scheme, star, host, port] = match
  return {
    scheme: scheme!,
    host: star === undefined ? host! : `.${host!}`,
    wildcard: star !== undefined,
    port: normalizePort(scheme!, port ?? ''),
  }
}

export class OriginPolicy {
  private readonly anyOrigin: boolean
  private readonly patterns: OriginPattern[]

  /** `entries` are validated at start-up (config/load.ts); a bad one is skipped here. */
  constructor(entries: readonly string[]) {
    this.anyOrigin = entries.includes('*')
    this.patterns = entries
      .filter((entry) => entry !== '*')
      .map(parseOriginPattern)
      .filter((pattern): pattern is OriginPattern => typeof pattern !== 'string')
  }

  /** Whether a request with this `Origin` header may proceed; no header always may. */
  allows(origin: string | undefined): boolean {
    if (origin === undefined || this.anyOrigin) return true

    let url: URL
    try {
      url = new URL(origin)
    } catch {
      return false // `null` (sandboxed frames, file://) and garbage
    }
    const scheme = url.protocol.slice(0, -1)
    const host = url.hostname
    const port = normalizePort(scheme, url.port)
    return this.patterns.some(
      (pattern) =>
        pattern.scheme === scheme &&
        pattern.port === port &&
        (pattern.wildcard
          ? host.endsWith(pattern.host) && host.length > pattern.host.length
          : host === pattern.host),
    )
  }
}

function normalizePort(scheme: string, port: string): string {
  if ((scheme === 'https' && port === '443') || (scheme === 'http' && port === '80')) return ''
  return port
}
