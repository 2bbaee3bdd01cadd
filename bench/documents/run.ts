/**
 * `npm run bench:documents`: collaborative documents. 100 clients on one document, each typing
 * 5 characters per second: update delivery latency (p50, p99) and server CPU, Switchboard
 * beside `@hocuspocus/server`, passes alternating; then the time to load a document with
 * 100,000 updates in its history, before and after compaction.
 *
 *   npm run bench:documents [-- --quick] [-- --no-pin]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { installTeardown, spawnPinned, stopChild } from '../orchestrate/children.js'
import { readCpuSeconds } from '../orchestrate/procfs.js'
import { freePort, waitUntilReady } from '../orchestrate/readiness.js'
import { BENCH_DIR, REPO_DIR } from '../servers.js'
import { median } from '../stats.js'
import { hocuspocus, yWebsocket, type YjsDialect } from './dialects.js'
import { measureLoadTime } from './load-time.js'
import { runTyping, type TypingPlan } from './typing.js'

const HOST = '127.0.0.1'
const quick = process.argv.includes('--quick')
const pin = !process.argv.includes('--no-pin')

const PLAN: TypingPlan = {
  clients: 100,
  observers: 10,
  charsPerSecond: 5,
  warmupMs: quick ? 1_000 : 3_000,
  measureMs: quick ? 3_000 : 10_000,
}
const PASSES = quick ? 1 : 3
const HISTORY_UPDATES = quick ? 10_000 : 100_000

interface YjsServer {
  name: string
  dialect: YjsDialect
  start(port: number, dataDir: string): { command: string; args: string[] }
}

const SERVERS: YjsServer[] = [
  {
    name: 'switchboard',
    dialect: yWebsocket,
    start: (port, dataDir) => ({
      command: process.execPath,
      args: [
        path.join(REPO_DIR, 'packages/server/dist/cli.js'),
        'serve',
        '--port',
        String(port),
        '--data-dir',
        dataDir,
        '--log-level',
        'error',
        '--config',
        path.join(BENCH_DIR, 'switchboard.bench.json'),
      ],
    }),
  },
  {
    name: 'hocuspocus',
    dialect: hocuspocus,
    start: (port) => ({
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        path.join(BENCH_DIR, 'peers', 'hocuspocus.ts'),
        '--port',
        String(port),
      ],
    }),
  },
]

interface Pass {
  p50Ms: number
  p99Ms: number
  cpuPercent: number
  updatesPerSec: number
}

async function typingPass(server: YjsServer, pass: number): Promise<Pass> {
  const port = await freePort(HOST)
  const dataDir = mkdtempSync(path.join(tmpdir(), 'switchboard-bench-docs-'))
  const { command, args } = server.start(port, dataDir)
  const child = spawnPinned({
    label: server.name,
    core: pin ? 0 : null,
    maxOpenFiles: 4_096,
    command,
    args,
    env: { SWITCHBOARD_API_KEY: 'bench-api-key-0123456789' },
  })
  try {
    await waitUntilReady({
      host: HOST,
      port,
      timeoutMs: 20_000,
      hasExited: () => child.process.exitCode !== null,
    })
    const cpuBefore = readCpuSeconds(child.pid)
    const wallBefore = performance.now()
    const result = await runTyping(server.dialect, port, `bench:typing-${pass}`, PLAN)
    const cpuPercent =
      ((readCpuSeconds(child.pid) - cpuBefore) / ((performance.now() - wallBefore) / 1000)) * 100
    return { ...result, cpuPercent }
  } catch (error) {
    throw new Error(`${server.name}: ${(error as Error).message}\n${child.outputTail()}`)
  } finally {
    await stopChild(child)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
}

async function main(): Promise<void> {
  installTeardown()
  const passes = new Map<string, Pass[]>(SERVERS.map((s) => [s.name, []]))
  for (let pass = 1; pass <= PASSES; pass++) {
    for (const server of SERVERS) {
      const outcome = await typingPass(server, pass)
      passes.get(server.name)!.push(outcome)
      process.stderr.write(
        `typing ${server.name} pass ${pass}/${PASSES}: p50 ${fixed(outcome.p50Ms)} ms, ` +
          `p99 ${fixed(outcome.p99Ms)} ms, CPU ${fixed(outcome.cpuPercent, 0)}%\n`,
      )
    }
  }

  const rows = SERVERS.map((server) => {
    const results = passes.get(server.name)!
    return {
      name: server.name,
      p50: median(results.map((r) => r.p50Ms)),
      p99: median(results.map((r) => r.p99Ms)),
      cpu: median(results.map((r) => r.cpuPercent)),
      rate: median(results.map((r) => r.updatesPerSec)),
    }
  })
  const reference = rows.find((row) => row.name === 'hocuspocus')
  const lines = [
    `typing: ${PLAN.clients} clients on one document, ${PLAN.charsPerSecond} chars/s each ` +
      `(median of ${PASSES} pass${PASSES === 1 ? '' : 'es'}${quick ? ', --quick' : ''})`,
    '| server | updates/s sent | delivery p50 ms | p99 ms | server CPU % | p99 vs hocuspocus |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${fixed(row.rate, 0)} | ${fixed(row.p50)} | ${fixed(row.p99)} | ` +
        `${fixed(row.cpu, 0)} | ${reference === undefined ? '' : fixed(row.p99 / reference.p99)} |`,
    ),
  ]
  process.stdout.write(`\n${lines.join('\n')}\n`)

  const load = await measureLoadTime(HISTORY_UPDATES)
  process.stdout.write(
    `\nload: a document with ${load.updates} updates (${load.logBytes} bytes of log, ` +
      `${load.snapshotBytes} bytes compacted)\n` +
      '| history | load time ms |\n|---|---|\n' +
      `| ${load.updates} updates, not compacted | ${fixed(load.beforeMs, 1)} |\n` +
      `| compacted snapshot | ${fixed(load.afterMs, 1)} |\n`,
  )
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
