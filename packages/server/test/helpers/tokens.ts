import { SignJWT } from 'jose'
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
