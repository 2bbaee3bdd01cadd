/**
 * `npm run bench`: benchmarks Switchboard and three reference servers in one run, with one load
 * generator, and prints one table per measurement plus the targets. This file only orchestrates:
 * servers and the load generator are child processes pinned to separate cores.
 */
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { ScenarioPlan } from './ipc.js'
import { USAGE, parseOptions, type BenchOptions } from './options.js'
import { installTeardown } from './orchestrate/children.js'
import { runPass, type PassOutcome, type Placement } from './orchestrate/pass.js'
import { summarize } from './report/aggregate.js'
import { formatCount, formatFixed } from './report/format.js'
import { machineDescription, writeResultsFile } from './report/results-file.js'
import { renderScenario } from './report/tables.js'
import { evaluateTargets, renderTargets, type ResultsByScenario } from './report/targets.js'
import { FULL_TIMING, QUICK_TIMING, planScenario, type ScenarioName } from './scenarios.js'
import { BENCH_DIR, REDIS_URL, SERVERS, type ServerName } from './servers.js'

/** Open files each child may use: 10,000 connections plus the process's own. */
const WANTED_OPEN_FILES = 65_536
const NEEDED_OPEN_FILES = 10_500
const RESULTS_FILE = path.join(BENCH_DIR, 'results', 'latest.json')

function log(message: string): void {
  process.stderr.write(`${message}\n`)
}

function hardOpenFileLimit(): number {
  const raw = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()
  return raw === 'unlimited' ? WANTED_OPEN_FILES : Number(raw)
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function choosePlacement(options: BenchOptions): Placement {
  const maxOpenFiles = Math.min(WANTED_OPEN_FILES, hardOpenFileLimit())
  if (maxOpenFiles < NEEDED_OPEN_FILES) {
    log(`warning: hard open-file limit is ${maxOpenFiles}; idle-10000 needs ${NEEDED_OPEN_FILES}`)
  }
  if (!options.pin) return { serverCore: null, loadgenCore: null, maxOpenFiles }
  if (os.cpus().length < 2 || !hasTaskset()) {
    log('warning: fewer than 2 CPUs or no taskset: processes are not pinned')
    return { serverCore: null, loadgenCore: null, maxOpenFiles }
  }
  return { serverCore: 0, loadgenCore: 1, maxOpenFiles }
}

function describePass(outcome: PassOutcome): string {
  if (outcome.error !== undefined) return `FAILED: ${outcome.error}`
  const parts: string[] = []
  if (outcome.connectMs !== undefined)
    parts.push(`connected in ${Math.round(outcome.connectMs)} ms`)
  if (outcome.saturation) {
    parts.push(
      `${formatCount(outcome.saturation.deliveriesPerSec)} msgs/s`,
      `${formatFixed(outcome.saturation.framesPerRead, 1)} frames/read`,
    )
  }
  if (outcome.latency) {
    parts.push(`p50 ${formatFixed(outcome.latency.p50Ms, 2)} ms`)
    parts.push(`p99 ${formatFixed(outcome.latency.p99Ms, 2)} ms`)
  }
  if (outcome.idle) parts.push(`${formatFixed(outcome.idle.kbPerConnection, 1)} KB/conn`)
  return parts.join(', ')
}

/** Whether the Redis of the cluster scenarios answers. */
async function redisReachable(): Promise<boolean> {
  const { hostname, port } = new URL(REDIS_URL)
  const socket = net.connect(Number(port || 6379), hostname)
  try {
    await once(socket, 'connect')
    return true
  } catch {
    return false
  } finally {
    socket.destroy()
  }
}

function availableServers(names: readonly ServerName[]): ServerName[] {
  return names.filter((name) => {
    const reason = SERVERS[name].unavailableReason()
    if (reason !== undefined) log(`skipping ${name}: ${reason}`)
    return reason === undefined
  })
}

async function main(): Promise<void> {
  installTeardown()
  const options = parseOptions(process.argv.slice(2))
  if (options === null) {
    log(USAGE)
    return
  }
  const timing = { ...(options.quick ? QUICK_TIMING : FULL_TIMING) }
  if (options.passes !== undefined) timing.passes = options.passes
  const placement = choosePlacement(options)
  const allServers = availableServers(options.servers)
  if (allServers.length === 0) throw new Error('no server to benchmark')

  const startedAtMs = performance.now()
  const plans: Partial<Record<ScenarioName, ScenarioPlan>> = {}
  const results: ResultsByScenario = {}
  for (const scenario of options.scenarios) {
    const plan = planScenario(scenario, timing)
    const clustered = plan.kind !== 'idle' && (plan.nodes ?? 1) > 1
    if (clustered && !(await redisReachable())) {
      log(`skipping ${scenario}: no Redis at ${REDIS_URL} (set BENCH_REDIS_URL)`)
      continue
    }
    const servers = clustered ? allServers.filter((name) => SERVERS[name].clusters) : allServers
    plans[scenario] = plan
    const passes = new Map<ServerName, PassOutcome[]>(servers.map((server) => [server, []]))
    // Passes alternate between servers, so a slow drift of the machine spreads over all of them.
    for (let pass = 1; pass <= timing.passes; pass++) {
      for (const server of servers) {
        const outcome = await runPass({
          server: SERVERS[server],
          plan,
          placement,
          memorySettleMs: timing.memorySettleMs,
        })
        passes.get(server)!.push(outcome)
        log(`${scenario} ${server} pass ${pass}/${timing.passes}: ${describePass(outcome)}`)
      }
    }
    results[scenario] = servers.map((server) => summarize(server, passes.get(server)!))
    process.stdout.write(`\n${renderScenario(scenario, plan, results[scenario])}\n`)
  }

  if (options.documents) await runDocumentsBench(options)

  const targets = evaluateTargets(results)
  if (targets.length > 0) process.stdout.write(`\n${renderTargets(targets)}\n`)
  const written = writeResultsFile(RESULTS_FILE, {
    generatedAt: new Date().toISOString(),
    machine: machineDescription(),
    options,
    placement,
    plans,
    results,
    targets,
  })
  const elapsedSec = Math.round((performance.now() - startedAtMs) / 1000)
  log(`\nresults written to ${path.relative(process.cwd(), written)} (${elapsedSec} s)`)
}

/**
 * The collaborative documents benchmark: its own program (Yjs clients beside Hocuspocus), run
 * in this same `npm run bench` so that every figure comes from one run; it prints its tables.
 */
async function runDocumentsBench(options: BenchOptions): Promise<void> {
  const args = ['--import', 'tsx', path.join(BENCH_DIR, 'documents', 'run.ts')]
  if (options.quick) args.push('--quick')
  if (!options.pin) args.push('--no-pin')
  const child = spawn(process.execPath, args, { stdio: 'inherit' })
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`the documents benchmark exited with ${code}`)
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
})
