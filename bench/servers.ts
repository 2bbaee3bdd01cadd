/**
 * The servers under test and how to start each one. Every server is its own process, started
 * fresh for each pass, listening on 127.0.0.1 at a port the orchestrator picks.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
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

/** The Redis that the nodes of a cluster scenario share (the one `npm test` uses). */
export const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379'

/** Where a node of a cluster scenario meets the others: a Redis and a key prefix of the pass. */
export interface ClusterTarget {
  redisUrl: string
  keyPrefix: string
}

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
  command(port: number, cluster?: ClusterTarget): ServerCommand
  /** Whether it can run as several nodes on one Redis (the cluster scenarios). */
  clusters: boolean
  /** Why this server cannot run here, or undefined when it can. */
  unavailableReason(): string | undefined
}

function peer(name: ServerName, file: string, dialect: DialectName, clusters = false): ServerSpec {
  return {
    name,
    dialect,
    clusters,
    command: (port, cluster) => {
      const args = ['--import', 'tsx', path.join(BENCH_DIR, 'peers', file), '--port', String(port)]
      if (cluster !== undefined) args.push('--redis', cluster.redisUrl, '--key', cluster.keyPrefix)
      return { command: process.execPath, args, env: {} }
    },
    unavailableReason: () => undefined,
  }
}

/** The bench config, with the Redis broker for a cluster scenario, in a file of the pass. */
function switchboardConfig(cluster: ClusterTarget | undefined): string {
  if (cluster === undefined) return SWITCHBOARD_CONFIG
  const config = JSON.parse(readFileSync(SWITCHBOARD_CONFIG, 'utf8')) as object
  const broker = { type: 'redis', url: cluster.redisUrl, keyPrefix: cluster.keyPrefix }
  const file = path.join(os.tmpdir(), `switchboard-bench-${process.pid}.json`)
  writeFileSync(file, JSON.stringify({ ...config, broker }))
  return file
}

export const SERVERS: Readonly<Record<ServerName, ServerSpec>> = {
  switchboard: {
    name: 'switchboard',
    dialect: 'json',
    healthPath: '/healthz',
    clusters: true,
    command: (port, cluster) => ({
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
        switchboardConfig(cluster),
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
  'socket.io': peer('socket.io', 'socket-io.ts', 'socket.io', true),
}
