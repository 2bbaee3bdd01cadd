/** Secrets stay secret: tokens and keys never reach the logs, and configs can hold digests. */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, it } from 'node:test'
import { hashApiKey } from '../../src/auth/api-keys.js'
import { apiGet, apiPost, startChild } from '../helpers/server.js'
import { signedToken } from '../helpers/tokens.js'
import { TestClient } from '../helpers/ws-client.js'

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))
const run = promisify(execFile)

describe('secrets', () => {
  it('never writes tokens or API keys to the logs, even at trace level', async () => {
    const secret = 'log-test-secret-0123456789-0123456789'
    const server = await startChild(
      ['--host', '127.0.0.1', '--port', '0', '--memory'],
      { SWITCHBOARD_LOG_LEVEL: 'trace' },
      { auth: { jwtSecret: secret }, apiKeys: ['log-test-api-key-0123456789'] },
    )
    try {
      const good = await signedToken({ sub: 'ann' }, secret)
      const bad = await signedToken({ sub: 'eve' }, 'wrong-secret-0123456789-0123456789')
      const client = await TestClient.connect(`${server.wsUrl}?token=${good}`)
      await client.request({ action: 'subscribe', channel: 'news' })
      await client.request({ action: 'refresh', token: bad })
      client.close()
      const refused = await TestClient.connect(`${server.wsUrl}?token=${bad}`)
      await refused.waitClosed()
      await apiPost(
        `${server.url}/v1/publish`,
        { channel: 'news', data: 1 },
        'wrong-key-0123456789',
      )
      await apiGet(`${server.url}/v1/channels`, 'log-test-api-key-0123456789')
    } finally {
      await server.kill()
    }
    const logs = server.stdout() + server.stderr()
    assert.ok(logs.length > 0, 'trace logging wrote something')
    for (const secretText of [secret, 'log-test-api-key', 'wrong-key-0123456789']) {
      assert.ok(!logs.includes(secretText), `logs hold ${secretText}`)
    }
    // No JWT (three base64url parts) appears anywhere in the logs.
    assert.doesNotMatch(logs, /eyJ[\w-]+\.[\w-]+\.[\w-]+/)
  })

  it('hash-key prints a config entry that accepts the key and holds only its digest', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', CLI, 'hash-key'])
    const key = /shown once\): (\S+)/.exec(stdout)?.[1]
    assert.ok(key !== undefined, stdout)
    const entry = JSON.parse(/\{.*\}/.exec(stdout)![0]) as { sha256: string }
    assert.equal(entry.sha256, hashApiKey(key))
    assert.ok(!JSON.stringify(entry).includes(key))

    const server = await startChild(
      ['--host', '127.0.0.1', '--port', '0', '--memory'],
      {
        SWITCHBOARD_API_KEY: '',
      },
      { apiKeys: [entry] },
    )
    try {
      const published = await apiPost(`${server.url}/v1/publish`, { channel: 'a', data: 1 }, key)
      assert.equal(published.status, 200)
    } finally {
      await server.kill()
    }
  })
})
