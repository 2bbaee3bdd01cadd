/**
 * Opens a node's Redis connections: one for commands and scripts, and one for pub/sub (a
 * connection in subscriber mode can run nothing else). In a Redis Cluster, one `Cluster`
 * client does both: ioredis keeps a sharded subscriber per master for `SSUBSCRIBE`.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'
import { DEFAULT_REDIS_URL, type RedisBrokerOptions } from '../config/defaults.js'

export type RedisClient = Redis | Cluster

export interface RedisConnections {
  commands: RedisClient
  subscriber: RedisClient
  /** Whether channels use sharded pub/sub (`SSUBSCRIBE`/`SPUBLISH`, Redis 7 and later). */
  sharded: boolean
  /** Whether both connections can serve requests now. */
  ready(): boolean
  close(): Promise<void>
}

/** Longest wait between two reconnection attempts, in ms. */
export const MAX_RECONNECT_DELAY_MS = 2_000
/** How long start-up waits for Redis before giving up, in ms. */
export const CONNECT_TIMEOUT_MS = 10_000

/** Exponential backoff from 50 ms, capped, with full jitter so nodes don't retry in step. */
function reconnectDelay(attempt: number): number {
  const ceiling = Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(attempt, 10))
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
}

/** Options of every connection to a Redis server, standalone or a cluster node. */
const NODE_OPTIONS: RedisOptions = {
  retryStrategy: reconnectDelay,
  // Fail commands at once while Redis is unreachable instead of queueing them: a publish then
  // reports `unavailable` to its caller, who may retry, rather than hanging.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  // The broker restores its subscriptions itself, then resynchronises them from history.
  autoResubscribe: false,
}

// A cluster connects its nodes itself: `lazyConnect` on a node's options makes some of its
// first connections hang.
const CONNECTION_OPTIONS: RedisOptions = { ...NODE_OPTIONS, lazyConnect: true }

export async function connectRedis(
  options: RedisBrokerOptions,
  logger: Logger,
): Promise<RedisConnections> {
  const connections =
    options.cluster === undefined
      ? standalone(options.url ?? DEFAULT_REDIS_URL)
      : cluster(options.cluster.nodes)
  const { commands, subscriber } = connections
  for (const [role, client] of [
    ['commands', commands],
    ['subscriber', subscriber],
  ] as const) {
    client.on('error', (error: Error) => logger.warn({ err: error, role }, 'redis error'))
  }

  try {
    await withTimeout(
      Promise.all([commands.connect(), subscriber === commands ? null : subscriber.connect()]),
      CONNECT_TIMEOUT_MS,
    )
  } catch (error) {
    commands.disconnect()
    subscriber.disconnect()
    throw new Error(`cannot reach redis: ${(error as Error).message}`)
  }
  const sharded = options.cluster !== undefined || (await majorVersion(commands)) >= 7
  return {
    commands,
    subscriber,
    sharded,
    ready: () => commands.status === 'ready' && subscriber.status === 'ready',
    close: async () => {
      await Promise.allSettled([
        commands.quit(),
        subscriber === commands ? null : subscriber.quit(),
      ])
      commands.disconnect()
      subscriber.disconnect()
    },
  }
}

function standalone(url: string): { commands: RedisClient; subscriber: RedisClient } {
  const commands = new Redis(url, CONNECTION_OPTIONS)
  return { commands, subscriber: new Redis(url, CONNECTION_OPTIONS) }
}

function cluster(nodes: string[]): { commands: RedisClient; subscriber: RedisClient } {
  const options: ClusterOptions = {
    shardedSubscribers: true,
    clusterRetryStrategy: reconnectDelay,
    enableOfflineQueue: false,
    lazyConnect: true,
    redisOptions: NODE_OPTIONS,
  }
  const seeds = nodes.map((node) => {
    const colon = node.lastIndexOf(':')
    return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) }
  })
  const client = new Cluster(seeds, options)
  return { commands: client, subscriber: client }
}

async function majorVersion(client: RedisClient): Promise<number> {
  const info = await client.info('server')
  const match = /redis_version:(\d+)/.exec(info)
  return match === null ? 0 : Number(match[1])
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
