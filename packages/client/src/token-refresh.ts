/**
 * When to renew a connection's token. The SDK never verifies a token (the server does); it only
 * reads the `exp` claim of a JWT to fetch a new token through `getToken` and send it with the
 * `refresh` action before the server would close the connection with `token_expired`.
 */

/** Renew when this share of the token's remaining life has passed. */
const RENEW_AT = 0.8
/** Never renew sooner than this after connecting, in ms, whatever `exp` says. */
const MIN_DELAY_MS = 1_000

/** The token's `exp` in ms since the epoch, or undefined when it is not a JWT with one. */
export function tokenExpiresAt(token: string): number | undefined {
  const payload = token.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const claims = JSON.parse(atob(base64)) as { exp?: unknown }
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined
  } catch {
    return undefined
  }
}

/** How long to wait before renewing a token that expires at `expiresAt`, in ms. */
export function renewDelayMs(expiresAt: number, now: number): number {
  return Math.max(MIN_DELAY_MS, Math.floor((expiresAt - now) * RENEW_AT))
}

/**
 * The `Sec-WebSocket-Protocol` list carrying a token, which keeps it out of URLs and access
 * logs. Only tokens made of characters a subprotocol may hold can travel there (every JWT
 * can); for others the caller falls back to the query string.
 */
export function tokenProtocols(token: string): string[] | undefined {
  return /^[A-Za-z0-9._~-]+$/.test(token) ? ['switchboard', `token.${token}`] : undefined
}
