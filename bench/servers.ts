/**
 * The servers under test and how to start each one. Every server is its own process, started
 * fresh for each pass, listening on 127.0.0.1 at a port the orchestrator picks.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DialectName } from './ipc.js'

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
export const REPO_DIR = path.dirname(BENCH_DIR)

export const SERVER_NAMES = ['switchboard', 'ws-frame-once', 'ws-naive', 'socket.io'] as const
export type ServerName = (typeof SERVER_NAMES)[number]

/**
 * The API key the benchmark gives Switchboard, which turns dev mode off; only the HTTP API would
 * use it. WebSocket clients connect anonymously, which the bench config allows on the default
 * namespace (without it a connection would need a signed token).
 */
const SWITCHBOARD_API_KEY = 'benchkey'
const SWITCHBOARD_CLI = path.join(REPO_DIR, 'packages/server/dist/cli.js')
const SWITCHBOARD_CONFIG = path.join(BENCH_DIR, 'switchboard.bench.json')

export interface ServerCommand {
  command: string
  args: string[]
  env: Record<string, string>
}

export interface ServerSpec {
  name: ServerName
  dialect: DialectName
  /** HTTP path answering 200 when ready; TCP accept is the signal when absent. */
  healthPath?: string
  command(port: number): ServerCommand
  /** Why this server cannot run here, or undefined when it can. */
  unavailableReason(): string | undefined
}

function peer(name: ServerName, file: string, dialect: DialectName): ServerSpec {
  return {
    name,
    dialect,
    command: (port) => ({
      command: process.execPath,
      args: ['--import', 'tsx', path.join(BENCH_DIR, 'peers', file), '--port', String(port)],
      env: {},
    }),
    unavailableReason: () => undefined,
  }
}

export const SERVERS: Readonly<Record<ServerName, ServerSpec>> = {
  switchboard: {
    name: 'switchboard',
    dialect: 'json',
    healthPath: '/healthz',
    command: (port) => ({
      command: process.execPath,
      args: [
        SWITCHBOARD_CLI,
        'serve',
        '--memory',
        '--port',
        String(port),
        '--log-level',
        'error',
        '--config',
        SWITCHBOARD_CONFIG,
      ],
      env: { SWITCHBOARD_API_KEY },
    }),
    unavailableReason: () =>
      existsSync(SWITCHBOARD_CLI)
        ? undefined
        : `${path.relative(REPO_DIR, SWITCHBOARD_CLI)} not found (run npx tsc -b)`,
  },
  'ws-frame-once': peer('ws-frame-once', 'ws-frame-once.ts', 'json'),
  'ws-naive': peer('ws-naive', 'ws-naive.ts', 'json'),
  'socket.io': peer('socket.io', 'socket-io.ts', 'socket.io'),
}
