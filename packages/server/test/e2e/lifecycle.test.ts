/**
 * The server as a process: history surviving a restart in the embedded default, `--memory`
 * changing epochs, graceful shutdown on SIGTERM, and config errors naming the field.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { CloseCode } from '@switchboard/protocol'
import { ConfigError, resolveOptions } from '../../src/config/load.js'
import { apiGet, apiPost, CHILD_CONFIG, startChild } from '../helpers/server.js'
import { tempDir } from '../helpers/tmp.js'
import { TestClient } from '../helpers/ws-client.js'

describe('server lifecycle', () => {
  it('keeps history and epochs across a restart with the embedded SQLite default', async () => {
    const tmp = tempDir()
    try {
      let child = await startChild(['--port', '0', '--data-dir', tmp.dir], {}, CHILD_CONFIG)
      let epoch = ''
      for (let i = 1; i <= 5; i++) {
        epoch = (await apiPost(`${child.url}/v1/publish`, { channel: 'log', data: i })).body.epoch
      }
      assert.equal(await child.kill('SIGTERM'), 0)

      child = await startChild(['--port', '0', '--data-dir', tmp.dir], {}, CHILD_CONFIG)
      const history = await apiGet(`${child.url}/v1/channels/log/history`)
      assert.equal(history.body.epoch, epoch)
      assert.deepEqual(
        history.body.publications.map((p: any) => p.data),
        [1, 2, 3, 4, 5],
      )

      const client = await TestClient.connect(child.wsUrl)
      const reply = await client.request({
        action: 'subscribe',
        channel: 'log',
        since: { offset: 2, epoch },
      })
      assert.equal(reply.recovered, true)
      await client.waitFrame((f) => f.type === 'message' && f.offset === 5)
      assert.deepEqual(
        client.messages().map((m) => m.data),
        [3, 4, 5],
      )
      client.close()
      assert.equal(await child.kill('SIGTERM'), 0)
    } finally {
      tmp.remove()
    }
  })

  it('gives channels a new epoch after a restart with --memory', async () => {
    let child = await startChild(['--port', '0', '--memory'], {}, CHILD_CONFIG)
    const before = (await apiPost(`${child.url}/v1/publish`, { channel: 'log', data: 1 })).body
    await child.kill('SIGTERM')

    child = await startChild(['--port', '0', '--memory'], {}, CHILD_CONFIG)
    const client = await TestClient.connect(child.wsUrl)
    await apiPost(`${child.url}/v1/publish`, { channel: 'log', data: 'new' })
    const reply = await client.request({ action: 'subscribe', channel: 'log', since: before })
    assert.equal(reply.recovered, false)
    assert.notEqual(reply.epoch, before.epoch)
    client.close()
    await child.kill('SIGTERM')
  })

  it('on SIGTERM tells clients to reconnect after a jittered delay, closes 4001 and exits 0', async () => {
    const child = await startChild(['--port', '0', '--memory'], {}, CHILD_CONFIG)
    const clients = await Promise.all([1, 2, 3].map(() => TestClient.connect(child.wsUrl)))
    for (const client of clients) await client.request({ action: 'subscribe', channel: 'news' })

    const exitCode = child.kill('SIGTERM')
    for (const client of clients) {
      assert.equal(await client.waitClosed(), CloseCode.ServerShutdown)
      const push = client.frames.find((f) => f.type === 'disconnect')
      assert.equal(push?.code, 'server_shutdown')
      assert.equal(push?.reconnect, true)
      assert.ok(push.reconnectAfterMs >= 0 && push.reconnectAfterMs <= 5_000)
    }
    assert.equal(await exitCode, 0)
  })

  it('starts in dev mode on loopback with a generated key and a ready-to-paste curl line', async () => {
    const tmp = tempDir()
    try {
      const child = await startChild(['--port', '0', '--data-dir', tmp.dir], {
        SWITCHBOARD_API_KEY: '',
      })
      const key = /API key: (\S+)/.exec(child.stdout())?.[1]
      assert.ok(key !== undefined, child.stdout())
      assert.match(
        child.stdout(),
        /curl -H "Authorization: Bearer \S+" -d '.*' http:\/\/127\.0\.0\.1:\d+\/v1\/publish/,
      )
      assert.equal(
        (await apiPost(`${child.url}/v1/publish`, { channel: 'prices', data: 1 }, key)).status,
        200,
      )
      const anonymous = await TestClient.connect(child.wsUrl)
      assert.equal((await anonymous.request({ action: 'subscribe', channel: 'prices' })).ok, true)
      anonymous.close()
      await child.kill('SIGTERM')
    } finally {
      tmp.remove()
    }
  })

  it('refuses invalid config with a message naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ port: 'eighty' }, /port must be integer/],
      [{ limits: { maxQueueBytes: 10 } }, /limits\.maxQueueBytes must be >= 1024/],
      [{ namespaces: { chat: { historySize: -1 } } }, /namespaces\.chat\.historySize must be >= 0/],
      [{ namespaces: { chat: { histroySize: 5 } } }, /unknown field "histroySize"/],
      [
        { storage: 'disk' },
        /storage must be equal to one of the allowed values: \["sqlite","memory"\]/,
      ],
      [
        { limits: { maxMessageBytes: 4096, maxHttpBodyBytes: 1024 } },
        /limits\.maxMessageBytes \(4096\) must not exceed/,
      ],
      [
        { namespaces: { notes: { documents: 'write' } } },
        /namespaces\.notes\.documents must be equal to one of the allowed values/,
      ],
      [
        { documents: { maxUpdateBytes: 4096, maxDocumentBytes: 2048 } },
        /documents\.maxUpdateBytes \(4096\) must not exceed documents\.maxDocumentBytes/,
      ],
      [{ documents: { store: 'postgres' } }, /documents\.postgresUrl is not set/],
    ]
    for (const [config, message] of cases) {
      assert.throws(
        () => resolveOptions(config),
        (error: Error) => error instanceof ConfigError && message.test(error.message),
      )
    }

    const tmp = tempDir()
    try {
      const file = join(tmp.dir, 'config.json')
      writeFileSync(file, JSON.stringify({ heartbeat: { intervalMs: 'often' } }))
      const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))
      const run = spawnSync(process.execPath, ['--import', 'tsx', cli, 'serve', '--config', file], {
        encoding: 'utf8',
      })
      assert.equal(run.status, 2)
      assert.match(run.stderr, /heartbeat\.intervalMs must be integer/)
    } finally {
      tmp.remove()
    }
  })
})
