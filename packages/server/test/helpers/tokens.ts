import { SignJWT, type JWTPayload } from 'jose'
import { JWT_SECRET } from './server.js'

/** An HS256 connection token for `sub`, signed with the test secret. */
export function token(sub: string, info?: unknown): Promise<string> {
  const claims = info === undefined ? {} : { info }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(JWT_SECRET))
}

/** An HS256 token with any claims; `sub` defaults to `user-1`, `exp` to one hour. */
export function signedToken(claims: JWTPayload = {}, secret = JWT_SECRET): Promise<string> {
  return new SignJWT({ sub: 'user-1', exp: Math.floor(Date.now() / 1000) + 3600, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret))
}
