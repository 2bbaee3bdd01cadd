/**
 * Redis for tests: the shared Redis on 127.0.0.1:6379 (keys under a prefix unique to the run,
 * removed after), and Redis servers or a 3-master Redis Cluster that a test starts on spare
 * loopback ports and stops. Without Redis the tests are skipped, except in CI, where they run
 * and fail.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { Cluster, Redis } from 'ioredis'
import { tempDir } from './tmp.js'
import { waitFor } from './wait.js'

export const REDIS_URL = 'redis://127.0.0.1:6379'

/** Whether something answers on the Redis port. */
async function reachable(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1')
  try {
    await once(socket, 'connect')
    return true
  } catch {
    return false
  } finally {
    socket.destroy()
  }
}

const sharedRedisUp = await reachable(6379)

/**
 * The `skip` option of a suite that needs Redis: a reason when Redis is missing outside CI,
 * false otherwise (in CI the suite runs and fails on the missing Redis).
 */
export function skipWithoutRedis(): string | false {
  if (sharedRedisUp || process.env.CI === 'true') return false
  return 'no Redis on 127.0.0.1:6379 (in CI this fails instead)'
}

let runs = 0
/** A key prefix no other test run uses. */
export function uniquePrefix(): string {
  return `sbtest:${process.pid}:${Date.now().toString(36)}:${runs++}:`
}

/** Deletes every key under `prefix`, on every master of a cluster. */
export async function deleteKeys(client: Redis | Cluster, prefix: string): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client]
  for (const node of nodes) {
    let cursor = '0'
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      for (const key of keys) await node.del(key)
    } while (cursor !== '0')
  }
}

/** A free loopback port whose cluster bus port (+10,000) is free too. */
async function sparePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 20_000)
    if ((await portFree(port)) && (await portFree(port + 10_000))) return port
  }
}

async function portFree(port: number): Promise<boolean> {
  const server = createServer()
  try {
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
    return true
  } catch {
    return false
  } finally {
    server.close()
  }
}

export interface RedisProcess {
  port: number
  url: string
  /** SIGKILL (no save) or a clean SHUTDOWN; resolves when the process is gone. */
  stop(how?: 'kill' | 'shutdown'): Promise<void>
  /**
   * Starts it again with the same data directory: on the same port, or with `unixSocket`,
   * on that socket only, out of the nodes' reach.
   */
  restart(unixSocket?: string): Promise<void>
  remove(): Promise<void>
}

/** A redis-server of its own; with `persistent`, an append-only file keeps its data. */
export async function startRedis(
  options: { persistent?: boolean; extra?: string[] } = {},
): Promise<RedisProcess> {
  const port = await sparePort()
  const tmp = tempDir('switchboard-redis-')
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    tmp.dir,
    '--save',
    '',
    '--appendonly',
    options.persistent === true ? 'yes' : 'no',
    '--appendfsync',
    'always',
    ...(options.extra ?? []),
  ]
  let child: ChildProcess | undefined
  const start = async (unixSocket?: string) => {
    if (unixSocket === undefined) {
      child = spawn('redis-server', args, { stdio: 'ignore' })
      await waitFor(() => reachable(port), { timeoutMs: 10_000, message: `redis on ${port}` })
      return
    }
    const only = [...args, '--port', '0', '--unixsocket', unixSocket]
    child = spawn('redis-server', only, { stdio: 'ignore' })
    await waitFor(() => existsSync(unixSocket), { timeoutMs: 10_000, message: unixSocket })
  }
  const stop = async (how: 'kill' | 'shutdown' = 'shutdown') => {
    const running = child
    if (running === undefined || running.exitCode !== null) return
    const exited = once(running, 'exit')
    if (how === 'kill') running.kill('SIGKILL')
    else running.kill('SIGTERM')
    await exited
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    restart: start,
    remove: async () => {
      await stop('kill')
      tmp.remove()
    },
  }
}

export interface RedisClusterProcess {
  nodes: string[]
  stop(): Promise<void>
}

/** A Redis Cluster of 3 masters without replicas on spare ports. */
export async function startCluster(): Promise<RedisClusterProcess> {
  const tmp = tempDir('switchboard-cluster-')
  const ports = [await sparePort(), await sparePort(), await sparePort()]
  const children = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--dir',
        tmp.dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    ),
  )
  const stop = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return
        const exited = once(child, 'exit')
        child.kill('SIGKILL')
        await exited
      }),
    )
    tmp.remove()
  }
  try {
    for (const port of ports) {
      await waitFor(() => reachable(port), { timeoutMs: 10_000, message: `redis on ${port}` })
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`)
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    )
    if (create.status !== 0) throw new Error(`redis-cli --cluster create: ${create.stdout}`)
    for (const port of ports) {
      const client = new Redis(port, '127.0.0.1')
      await waitFor(async () => /cluster_state:ok/.test(await client.cluster('INFO')), {
        timeoutMs: 15_000,
        message: 'the cluster to be ready',
      })
      client.disconnect()
    }
    // Every node must agree on the slot map before a client's first look at it.
    await waitFor(
      () =>
        spawnSync('redis-cli', ['--cluster', 'check', nodes[0]!], {
          encoding: 'utf8',
        }).stdout.includes('[OK] All nodes agree about slots configuration'),
      { timeoutMs: 15_000, intervalMs: 100, message: 'the cluster nodes to agree' },
    )
    return { nodes, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
