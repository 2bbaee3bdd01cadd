/**
 * One pass: a fresh server pinned to one core, a fresh load generator pinned to the other, one
 * scenario between them, then both stopped. Fresh processes per pass keep passes independent
 * (no warm JIT or grown heap carried over) and make the idle memory baseline meaningful.
 */
import path from 'node:path'
import type { LatencyResult, LoadgenEvent, ScenarioPlan, ThroughputResult } from '../ipc.js'
import { Redis } from 'ioredis'
import { BENCH_DIR, REDIS_URL, type ClusterTarget, type ServerSpec } from '../servers.js'
import { spawnPinned, stopChild, type PinnedChild } from './children.js'
import { readCpuSeconds, readRssKb } from './procfs.js'
import { freePort, waitUntilReady } from './readiness.js'

const HOST = '127.0.0.1'
const READY_TIMEOUT_MS = 20_000
/** A pass that takes longer than this has hung; it is abandoned with an error. */
const PASS_TIMEOUT_MS = 180_000
/** Connection attempts in flight while connecting; below the default listen backlog of 511. */
const CONNECT_CONCURRENCY = 128
const EXIT_GRACE_MS = 500

export interface Placement {
  /** Cores for the server and the load generator, or null when pinning is off. */
  serverCore: number | null
  loadgenCore: number | null
  maxOpenFiles: number
}

export interface IdleMemory {
  connections: number
  baselineRssKb: number
  loadedRssKb: number
  kbPerConnection: number
}

export interface PassOutcome {
  connectMs?: number
  saturation?: ThroughputResult & { serverCpuShare: number }
  latency?: LatencyResult
  idle?: IdleMemory
  error?: string
}

export interface PassInput {
  server: ServerSpec
  plan: ScenarioPlan
  placement: Placement
  memorySettleMs: number
}

function sleep(durationMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, durationMs))
}

function hasExited(child: PinnedChild): boolean {
  return child.process.exitCode !== null || child.process.signalCode !== null
}

let passNumber = 0

export async function runPass(input: PassInput): Promise<PassOutcome> {
  const { server, plan, placement } = input
  const nodes = plan.kind === 'idle' ? 1 : (plan.nodes ?? 1)
  // Each pass of a cluster scenario has keys of its own, removed after it.
  const cluster =
    nodes > 1
      ? { redisUrl: REDIS_URL, keyPrefix: `sbbench:${process.pid}:${passNumber++}:` }
      : undefined
  const ports: number[] = []
  const serverChildren: PinnedChild[] = []
  let loadgenChild: PinnedChild | undefined

  try {
    for (let node = 0; node < nodes; node++) {
      const port = await freePort(HOST)
      const command = server.command(port, cluster)
      ports.push(port)
      // The nodes share the server core: the cluster scenarios measure the Redis path, not
      // more CPU.
      serverChildren.push(
        spawnPinned({
          label: nodes > 1 ? `${server.name}#${node + 1}` : server.name,
          core: placement.serverCore,
          maxOpenFiles: placement.maxOpenFiles,
          command: command.command,
          args: command.args,
          env: command.env,
        }),
      )
    }
    const serverChild = serverChildren[0]!
    const port = ports[0]!
    for (const [index, child] of serverChildren.entries()) {
      await waitUntilReady({
        host: HOST,
        port: ports[index]!,
        healthPath: server.healthPath,
        timeoutMs: READY_TIMEOUT_MS,
        hasExited: () => hasExited(child),
      })
    }
    let baselineRssKb = 0
    if (plan.kind === 'idle') {
      await sleep(input.memorySettleMs)
      baselineRssKb = readRssKb(serverChild.pid)
    }

    loadgenChild = spawnPinned({
      label: 'loadgen',
      core: placement.loadgenCore,
      maxOpenFiles: placement.maxOpenFiles,
      command: process.execPath,
      args: ['--import', 'tsx', path.join(BENCH_DIR, 'loadgen', 'main.ts')],
      ipc: true,
    })
    loadgenChild.process.send({
      type: 'job',
      job: {
        dialect: server.dialect,
        host: HOST,
        port,
        ports,
        plan,
        connectConcurrency: CONNECT_CONCURRENCY,
      },
    })
    return await collect(loadgenChild, serverChildren, plan, baselineRssKb, input.memorySettleMs)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return { error: describeFailure(reason, serverChildren, loadgenChild) }
  } finally {
    if (loadgenChild !== undefined) await stopChild(loadgenChild)
    for (const child of serverChildren) await stopChild(child)
    if (cluster !== undefined) await deleteKeys(cluster)
  }
}

/** Removes the keys a cluster pass left in Redis. */
async function deleteKeys(cluster: ClusterTarget): Promise<void> {
  const redis = new Redis(cluster.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await redis.connect()
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${cluster.keyPrefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

/** Follows the load generator's events until its result, reading the server from /proc. */
function collect(
  loadgen: PinnedChild,
  servers: readonly PinnedChild[],
  plan: ScenarioPlan,
  baselineRssKb: number,
  memorySettleMs: number,
): Promise<PassOutcome> {
  return new Promise((resolve, reject) => {
    let idle: IdleMemory | undefined
    let windowCpuSeconds = 0
    let windowStartedAtMs = 0
    let serverCpuShare = Number.NaN

    const timer = setTimeout(
      () => reject(new Error(`pass did not finish within ${PASS_TIMEOUT_MS} ms`)),
      PASS_TIMEOUT_MS,
    )
    const finish = (outcome: PassOutcome | Error): void => {
      clearTimeout(timer)
      if (outcome instanceof Error) reject(outcome)
      else resolve(outcome)
    }
    const server = servers[0]!
    const cpuSeconds = () => servers.reduce((sum, child) => sum + readCpuSeconds(child.pid), 0)
    for (const child of servers) {
      void child.exited.then((code) =>
        finish(new Error(`${child.label} exited (${code}) during the pass`)),
      )
    }
    // The result may still be in the IPC pipe when the exit is reported: give it time to land.
    void loadgen.exited.then(async (code) => {
      await sleep(EXIT_GRACE_MS)
      finish(new Error(`load generator exited (${code}) without a result`))
    })

    loadgen.process.on('message', (event: LoadgenEvent) => {
      switch (event.type) {
        case 'connected':
          if (plan.kind !== 'idle') return
          void sleep(memorySettleMs).then(() => {
            const loadedRssKb = readRssKb(server.pid)
            idle = {
              connections: event.connections,
              baselineRssKb,
              loadedRssKb,
              kbPerConnection: (loadedRssKb - baselineRssKb) / event.connections,
            }
            loadgen.process.send({ type: 'finish' })
          })
          return
        case 'window':
          if (event.edge === 'start') {
            windowCpuSeconds = cpuSeconds()
            windowStartedAtMs = performance.now()
          } else {
            const elapsedSec = (performance.now() - windowStartedAtMs) / 1000
            serverCpuShare = (cpuSeconds() - windowCpuSeconds) / elapsedSec
          }
          return
        case 'result': {
          const { saturation, latency, connectMs } = event.result
          finish({
            connectMs,
            saturation: saturation && { ...saturation, serverCpuShare },
            latency,
            idle,
          })
          return
        }
        case 'error':
          finish(new Error(`load generator: ${event.message}`))
          return
      }
    })
  })
}

function describeFailure(
  reason: string,
  servers: readonly PinnedChild[],
  loadgen?: PinnedChild,
): string {
  const tails = [...servers, loadgen]
    .filter((child): child is PinnedChild => child !== undefined && child.outputTail() !== '')
    .map((child) => `\n  ${child.label} output: ${child.outputTail().trim().slice(-800)}`)
  return `${reason}${tails.join('')}`
}
