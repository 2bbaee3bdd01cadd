/**
 * Runs the conformance suites of the Redis implementations of the ports (history, broker,
 * presence, router, room leases) against the shared standalone Redis and a 3-master Redis
 * Cluster started for this file.
 */
import { after, before, describe } from 'node:test'
import { Cluster } from 'ioredis'
import { pino } from 'pino'
import { DEFAULT_REDIS_OPTIONS, type RedisBrokerOptions } from '../../src/config/defaults.js'
import { RedisBroker } from '../../src/broker/redis.js'
import { RedisDocumentRelay } from '../../src/documents/relay/redis.js'
import { RedisHistory } from '../../src/history/redis.js'
import { RedisPresence } from '../../src/presence/redis.js'
import { RedisRouter } from '../../src/router/redis.js'
import { connectRedis, type RedisConnections } from '../../src/redis/connect.js'
import { RedisKeys } from '../../src/redis/keys.js'
import {
  REDIS_URL,
  deleteKeys,
  skipWithoutRedis,
  startCluster,
  uniquePrefix,
  type RedisClusterProcess,
} from '../helpers/redis.js'
import { brokerConformance } from './broker.js'
import { documentRelayConformance } from './document-relay.js'
import { historyConformance } from './history.js'
import { presenceConformance } from './presence.js'
import { routerConformance } from './router.js'
import { roomLeaseConformance } from './room-lease.js'
import { RedisRoomLeases } from '../../src/rooms/lease/redis.js'

const logger = pino({ level: 'silent' })

/** A clock the test moves by hand, so TTL tests take no real time. */
function fakeClock() {
  let now = Date.now()
  return { now: () => now, advance: async (ms: number) => void (now += ms) }
}

function suites(name: string, options: () => RedisBrokerOptions): void {
  const opened: Array<{ connections: RedisConnections; prefix: string }> = []
  const open = async () => {
    const prefix = uniquePrefix()
    const connections = await connectRedis({ ...options(), keyPrefix: prefix }, logger)
    opened.push({ connections, prefix })
    return { connections, keys: new RedisKeys(prefix) }
  }
  after(async () => {
    for (const { connections, prefix } of opened) {
      await deleteKeys(connections.commands, prefix)
      await connections.close()
    }
  })

  historyConformance(name, async () => {
    const clock = fakeClock()
    const { connections, keys } = await open()
    const store = new RedisHistory(connections.commands, keys, { now: clock.now })
    return {
      store,
      advance: clock.advance,
      // A node restarting: a new connection, the same Redis and prefix.
      reopen: async () => {
        const again = await connectRedis({ ...options(), keyPrefix: keys.prefix }, logger)
        opened.push({ connections: again, prefix: keys.prefix })
        return new RedisHistory(again.commands, keys, { now: clock.now })
      },
      cleanup: async () => undefined,
    }
  })

  brokerConformance(name, async () => {
    const prefix = uniquePrefix()
    const connections = await connectRedis({ ...options(), keyPrefix: prefix }, logger)
    const broker = new RedisBroker(connections, new RedisKeys(prefix), logger)
    return {
      broker,
      cleanup: async () => {
        await deleteKeys(connections.commands, prefix)
        await broker.close()
      },
    }
  })

  routerConformance(name, async () => {
    const a = await open()
    const b = await open()
    const nodes: [RedisRouter, RedisRouter] = [
      await RedisRouter.open(a.connections, a.keys, logger),
      await RedisRouter.open(b.connections, a.keys, logger),
    ]
    return { nodes, cleanup: async () => void (await Promise.all(nodes.map((n) => n.close()))) }
  })

  roomLeaseConformance(name, async () => {
    const a = await open()
    const b = await open()
    return {
      nodes: (ttlMs) => ({
        a: new RedisRoomLeases(a.connections.commands, a.keys, 'a', ttlMs),
        b: new RedisRoomLeases(b.connections.commands, a.keys, 'b', ttlMs),
      }),
      cleanup: async () => undefined,
    }
  })

  documentRelayConformance(name, async () => {
    const a = await open()
    const b = await open()
    // Standalone: the subscriber connection of node 2, killed by id to cut its link. Read
    // before it subscribes to anything (a subscribed connection runs no other command).
    const cluster = a.connections.commands instanceof Cluster
    const subscriberId = cluster ? undefined : await b.connections.subscriber.client('ID')
    const nodes: [RedisDocumentRelay, RedisDocumentRelay] = [
      new RedisDocumentRelay(a.connections, a.keys, logger),
      new RedisDocumentRelay(b.connections, a.keys, logger),
    ]
    return {
      nodes,
      dropLink:
        subscriberId === undefined
          ? undefined
          : async () => {
              await a.connections.commands.client('KILL', 'ID', String(subscriberId))
            },
      cleanup: async () => void (await Promise.all(nodes.map((n) => n.close()))),
    }
  })

  presenceConformance(name, async () => {
    const { connections, keys } = await open()
    const presence = new RedisPresence(connections.commands, keys, { ttlMs: 30_000 })
    return { presence, cleanup: () => presence.close() }
  })
}

describe('redis standalone', { skip: skipWithoutRedis() }, () => {
  suites('redis', () => ({ type: 'redis', ...DEFAULT_REDIS_OPTIONS, url: REDIS_URL }))
})

describe('redis cluster', { skip: skipWithoutRedis() }, () => {
  let cluster: RedisClusterProcess | undefined
  before(async () => {
    cluster = await startCluster()
  })
  suites('redis cluster', () => ({
    type: 'redis',
    ...DEFAULT_REDIS_OPTIONS,
    cluster: { nodes: cluster!.nodes },
  }))
  // After the suites' own clean-up, which still talks to the cluster.
  after(async () => cluster?.stop())
})
