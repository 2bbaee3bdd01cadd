/** Starts Switchboard servers for tests: in-process on port 0, or as a child process. */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { resolveOptions } from '../../src/config/load.js'
import type { ServerOptions } from '../../src/config/defaults.js'
import { Switchboard, type ServerSeams } from '../../src/server.js'
import { Redis } from 'ioredis'
import { REDIS_URL, deleteKeys, uniquePrefix } from './redis.js'
import { tempDir } from './tmp.js'
import { waitFor } from './wait.js'

export const API_KEY = 'test-api-key-0123456789'
export const JWT_SECRET = 'test-jwt-secret-0123456789-0123456789'

export interface TestServer {
  server: Switchboard
  port: number
  url: string
  wsUrl: string
  stop(): Promise<void>
}

type Config = Record<string, unknown>

/** Options every test server shares: memory storage, a known API key and JWT secret. */
export function testConfig(config: Config = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    storage: 'memory',
    apiKeys: [API_KEY],
    logLevel: 'silent',
    ...config,
    auth: { jwtSecret: JWT_SECRET, anonymous: true, ...(config.auth as object) },
    channelDefaults: { public: true, ...(config.channelDefaults as object) },
  }
}

export async function startServer(
  config: Config = {},
  seams: ServerSeams = {},
): Promise<TestServer> {
  const options: ServerOptions = resolveOptions(testConfig(config))
  const server = await Switchboard.create(options, seams)
  const port = await server.listen()
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    stop: () => server.stop(),
  }
}

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))

export interface ChildServer {
  process: ChildProcess
  port: number
  url: string
  wsUrl: string
  stdout(): string
  stderr(): string
  /** Sends a signal and resolves with the exit code. */
  kill(signal?: NodeJS.Signals): Promise<number | null>
}

/** A config file for child servers: the test API key, anonymous clients on public channels. */
export const CHILD_CONFIG: Config = {
  apiKeys: [API_KEY],
  auth: { anonymous: true },
  channelDefaults: { public: true },
}

/**
 * Runs `switchboard serve` in a child process, as a user would. With `config`, the config is
 * written to a temporary file passed as `--config`.
 */
export async function startChild(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  config?: Config,
): Promise<ChildServer> {
  const configArgs: string[] = []
  if (config !== undefined) {
    const file = join(tempDir().dir, 'config.json')
    writeFileSync(file, JSON.stringify(config))
    configArgs.push('--config', file)
  }
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', ...configArgs, ...args], {
    env: { ...process.env, SWITCHBOARD_API_KEY: API_KEY, SWITCHBOARD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = once(child, 'exit')

  await waitFor(
    () => /listening on https?:\/\/[^:]+:(\d+)/.test(stdout) || child.exitCode !== null,
    {
      timeoutMs: 20_000,
      message: 'the server to start',
    },
  )
  const match = /listening on https?:\/\/[^:]+:(\d+)/.exec(stdout)
  if (match === null) throw new Error(`server did not start: ${stderr}`)
  const port = Number(match[1])
  return {
    process: child,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    stdout: () => stdout,
    stderr: () => stderr,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal)
      const [code] = (await exited) as [number | null]
      return code
    },
  }
}

/** POSTs JSON to the HTTP API with the test API key (or `key`). */
export async function apiPost(
  url: string,
  body: unknown,
  key: string | null = API_KEY,
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (key !== null) headers.Authorization = `Bearer ${key}`
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

export async function apiGet(
  url: string,
  key: string | null = API_KEY,
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {}
  if (key !== null) headers.Authorization = `Bearer ${key}`
  const response = await fetch(url, { headers })
  const text = await response.text()
  return {
    status: response.status,
    body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  }
}

/** DELETEs with the test API key; the body is undefined when the answer has none. */
export async function apiDelete(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${API_KEY}` },
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}

/**
 * Two in-process servers on the shared Redis, under a key prefix of their own; `stop` stops
 * both and deletes the prefix's keys.
 */
export async function startRedisPair(
  config: Config = {},
): Promise<{ a: TestServer; b: TestServer; prefix: string; stop(): Promise<void> }> {
  const prefix = uniquePrefix()
  const options = { ...config, broker: { type: 'redis', url: REDIS_URL, keyPrefix: prefix } }
  const [a, b] = await Promise.all([startServer(options), startServer(options)])
  return {
    a,
    b,
    prefix,
    stop: async () => {
      await Promise.all([a.stop(), b.stop()])
      const redis = new Redis(REDIS_URL)
      await deleteKeys(redis, prefix)
      redis.disconnect()
    },
  }
}
