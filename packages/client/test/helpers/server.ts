/**
 * Real servers for integration tests: in-process (memory storage) or a child process running
 * the CLI (SQLite, so history survives a kill), plus an HTTP publisher using the API key.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Switchboard, resolveOptions } from '../../../server/src/index.js'

export const API_KEY = 'k'.repeat(16)
const CLI = fileURLToPath(new URL('../../../server/dist/cli.js', import.meta.url))

export async function startServer(
  config: Record<string, unknown> = {},
  port = 0,
): Promise<{ server: Switchboard; port: number; url: string }> {
  const server = await Switchboard.create(
    resolveOptions({
      port,
      host: '127.0.0.1',
      storage: 'memory',
      apiKeys: [API_KEY],
      auth: { anonymous: true, jwtSecret: 's'.repeat(32) },
      channelDefaults: { public: true },
      logLevel: 'silent',
      ...config,
    }),
  )
  const bound = await server.listen()
  return { server, port: bound, url: `ws://127.0.0.1:${bound}` }
}

/** A port that was free a moment ago, for servers that must come back on the same port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

/** The CLI server as a child process, which the test can kill and start again. */
export class ChildServer {
  private child: ChildProcess | undefined
  readonly dataDir = mkdtempSync(join(tmpdir(), 'switchboard-client-test-'))

  constructor(
    readonly port: number,
    config: Record<string, unknown>,
  ) {
    writeFileSync(join(this.dataDir, 'config.json'), JSON.stringify(config))
  }

  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        CLI,
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--data-dir',
        this.dataDir,
        '--config',
        join(this.dataDir, 'config.json'),
      ],
      { env: { ...process.env, SWITCHBOARD_API_KEY: API_KEY }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    this.child = child
    await new Promise<void>((resolve, reject) => {
      let output = ''
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('listening on')) resolve()
      }
      child.stdout!.on('data', onData)
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
      child.once('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)))
    })
  }

  /** SIGKILL: no goodbye to clients, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    this.child = undefined
  }

  async dispose(): Promise<void> {
    await this.kill()
    rmSync(this.dataDir, { recursive: true, force: true })
  }
}

/** Publishes over the HTTP API; retries while the server is down, with a stable key. */
export async function publishHttp(
  port: number,
  channel: string,
  data: unknown,
  idempotencyKey: string,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v1/publish`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ channel, data, idempotencyKey }),
      })
      if (response.ok) return
      if (response.status < 500) throw new Error(`publish failed: ${await response.text()}`)
    } catch (error) {
      if (attempt > 500 || (error as Error).message.startsWith('publish failed')) throw error
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
