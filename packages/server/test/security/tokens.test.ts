/**
 * Connection tokens under attack: every forged, stale or misdirected token is refused with its
 * code on WebSocket (4500) and SSE (401), while valid tokens of every configured kind connect.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { CloseCode, ErrorCode } from '@switchboard/protocol'
import {
  SignJWT,
  UnsecuredJWT,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type CryptoKey,
  type JWK,
} from 'jose'
import { startServer, type TestServer } from '../helpers/server.js'
import { signedToken } from '../helpers/tokens.js'
import { TestClient } from '../helpers/ws-client.js'

const ISSUER = 'https://auth.example.com'
const AUDIENCE = 'switchboard'
const now = () => Math.floor(Date.now() / 1000)

/** Claims every test token carries unless a test overrides them. */
const base = () => ({ sub: 'user-1', iss: ISSUER, aud: AUDIENCE, exp: now() + 3600 })

/**
 * Opens a WebSocket with `token` and reports whether it was accepted (a subscribe, refused to
 * connections without a valid token, succeeds) or its close code.
 */
async function outcome(server: TestServer, token: string): Promise<'open' | number> {
  const client = await TestClient.connect(`${server.wsUrl}?token=${token}`)
  const reply = await client
    .request({ action: 'subscribe', channel: 'news' })
    .catch(() => undefined)
  if (reply?.ok === true) {
    client.close()
    return 'open'
  }
  return client.waitClosed()
}

async function sseRefusal(server: TestServer, token: string) {
  const response = await fetch(`${server.url}/sse?channel=news&token=${token}`)
  const body = (await response.json()) as { error: { code: string; message: string } }
  return { status: response.status, ...body.error }
}

describe('connection tokens', () => {
  let server: TestServer
  let rsa: { publicKey: CryptoKey; privateKey: CryptoKey; pem: string }
  let ec: { publicKey: CryptoKey; privateKey: CryptoKey }
  let ed: { publicKey: CryptoKey; privateKey: CryptoKey }
  let jwks: { server: Server; url: string; keys: JWK[] }

  before(async () => {
    const rsaPair = await generateKeyPair('RS256', { extractable: true })
    rsa = { ...rsaPair, pem: await exportSPKI(rsaPair.publicKey) }
    ec = await generateKeyPair('ES256', { extractable: true })
    ed = await generateKeyPair('EdDSA', { extractable: true })

    // A key set served over HTTP, as an identity provider would; tests rotate its keys.
    const set = { keys: [] as JWK[] }
    const http = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' })
      response.end(JSON.stringify(set))
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    const port = (http.address() as AddressInfo).port
    jwks = { server: http, url: `http://127.0.0.1:${port}/jwks.json`, keys: set.keys }

    server = await startServer({
      auth: {
        anonymous: false,
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: [
          { algorithms: ['RS256'], publicKey: rsa.pem },
          { kid: 'ed', algorithms: ['EdDSA'], publicKey: await exportSPKI(ed.publicKey) },
        ],
        jwks: { url: jwks.url, algorithms: ['ES256'], cooldownMs: 0 },
      },
      plans: { free: { maxSubscriptions: 5 } },
    })
  })
  after(async () => {
    await server.stop()
    jwks.server.close()
  })

  it('accepts HS256, RS256 and EdDSA keys from config, and ES256 from the key set', async () => {
    jwks.keys.push({ ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256' })
    const hs = await signedToken(base())
    const rs = await new SignJWT(base()).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey)
    const eddsa = await new SignJWT(base())
      .setProtectedHeader({ alg: 'EdDSA', kid: 'ed' })
      .sign(ed.privateKey)
    const es = await new SignJWT(base())
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
      .sign(ec.privateKey)
    for (const token of [hs, rs, eddsa, es]) assert.equal(await outcome(server, token), 'open')
  })

  it('follows a key set rotation: a token of a new kid is verified after a refetch', async () => {
    const next = await generateKeyPair('ES256', { extractable: true })
    jwks.keys.push({ ...(await exportJWK(next.publicKey)), kid: 'ec-2', alg: 'ES256' })
    const token = await new SignJWT(base())
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-2' })
      .sign(next.privateKey)
    assert.equal(await outcome(server, token), 'open')
  })

  it('refuses alg none', async () => {
    const token = new UnsecuredJWT(base()).encode()
    assert.equal(await outcome(server, token), CloseCode.Unauthorized)
    const refusal = await sseRefusal(server, token)
    assert.equal(refusal.status, 401)
    assert.equal(refusal.code, ErrorCode.Unauthorized)
    assert.match(refusal.message, /algorithm "none" is not accepted/)
  })

  it('refuses HS256 signed with the RSA public key as the secret (algorithm confusion)', async () => {
    const token = await new SignJWT(base())
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(rsa.pem))
    assert.equal(await outcome(server, token), CloseCode.Unauthorized)
    assert.equal((await sseRefusal(server, token)).message, 'token signature is not valid')
  })

  it('refuses a token signed with an algorithm its key does not list', async () => {
    // An RS384 signature by the configured RSA key: the key lists RS256 only.
    const token = await new SignJWT(base())
      .setProtectedHeader({ alg: 'RS384' })
      .sign((await generateKeyPair('RS384')).privateKey)
    assert.equal(await outcome(server, token), CloseCode.Unauthorized)
    assert.match((await sseRefusal(server, token)).message, /"RS384" is not accepted/)
  })

  it('refuses expired and not-yet-valid tokens beyond the clock tolerance', async () => {
    const expired = await signedToken({ ...base(), exp: now() - 60 })
    assert.equal(await outcome(server, expired), CloseCode.Unauthorized)
    const refusal = await sseRefusal(server, expired)
    assert.deepEqual([refusal.status, refusal.code], [401, ErrorCode.TokenExpired])

    const early = await signedToken({ ...base(), nbf: now() + 60 })
    assert.equal(await outcome(server, early), CloseCode.Unauthorized)
    assert.match((await sseRefusal(server, early)).message, /claim nbf/)

    // Within the default 5 s of tolerance, a token that just expired still connects.
    const justExpired = await signedToken({ ...base(), exp: now() - 2 })
    assert.equal(await outcome(server, justExpired), 'open')
  })

  it('refuses a wrong issuer or audience', async () => {
    const wrongIssuer = await signedToken({ ...base(), iss: 'https://evil.example.com' })
    assert.equal(await outcome(server, wrongIssuer), CloseCode.Unauthorized)
    assert.match((await sseRefusal(server, wrongIssuer)).message, /claim iss/)
    const wrongAudience = await signedToken({ ...base(), aud: 'someone-else' })
    assert.equal(await outcome(server, wrongAudience), CloseCode.Unauthorized)
    assert.match((await sseRefusal(server, wrongAudience)).message, /claim aud/)
  })

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await signedToken(base())).split('.')
    const forged = Buffer.from(JSON.stringify({ ...base(), sub: 'admin' })).toString('base64url')
    const token = `${header}.${forged}.${signature}`
    assert.equal(await outcome(server, token), CloseCode.Unauthorized)
    assert.equal((await sseRefusal(server, token)).message, 'token signature is not valid')
  })

  it('refuses a token naming a plan that is not configured', async () => {
    const token = await signedToken({ ...base(), plan: 'platinum' })
    assert.equal(await outcome(server, token), CloseCode.Unauthorized)
    assert.equal(await outcome(server, await signedToken({ ...base(), plan: 'free' })), 'open')
  })

  it('reads a token from Sec-WebSocket-Protocol and selects only the switchboard protocol', async () => {
    const token = await signedToken(base())
    const client = await TestClient.connect(server.wsUrl, {
      protocols: ['switchboard', `token.${token}`],
    } as never)
    assert.equal(client.ws.protocol, 'switchboard')
    assert.equal((await client.request({ action: 'subscribe', channel: 'news' })).ok, true)
    client.close()
  })

  it('reads a token from the Authorization header', async () => {
    const token = await signedToken(base())
    const client = await TestClient.connect(server.wsUrl, {
      headers: { Authorization: `Bearer ${token}` },
    })
    assert.equal((await client.request({ action: 'subscribe', channel: 'news' })).ok, true)
    client.close()
  })

  it('waits for a connect message, refuses everything else until then, and ends on its deadline', async () => {
    const client = await TestClient.connect(server.wsUrl)
    const early = await client.request({ action: 'subscribe', channel: 'news' })
    assert.equal(early.error.code, ErrorCode.Unauthorized)
    const connected = await client.request({ action: 'connect', token: await signedToken(base()) })
    assert.equal(connected.user, 'user-1')
    assert.ok(connected.expiresAt > Date.now())
    assert.equal((await client.request({ action: 'subscribe', channel: 'news' })).ok, true)
    client.close()

    const silent = await startServer({ auth: { anonymous: false, connectTimeoutMs: 300 } })
    try {
      const idle = await TestClient.connect(silent.wsUrl)
      assert.equal(await idle.waitClosed(3_000), CloseCode.Unauthorized)
    } finally {
      await silent.stop()
    }
  })
})
