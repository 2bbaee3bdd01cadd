/**
 * What the Redis broker adds over the port's conformance suite: publications a node missed on
 * pub/sub are filled from history in order, a gap history no longer covers is reported rather
 * than skipped, and presence entries of a node that stopped refreshing expire with a leave.
 */
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import type { PresenceMember } from '@switchboard/protocol'
import { pino } from 'pino'
import { RedisBroker } from '../../src/broker/redis.js'
import { RedisHistory } from '../../src/history/redis.js'
import type { AppendOptions, StoredPublication } from '../../src/ports/history.js'
import { RedisPresence } from '../../src/presence/redis.js'
import { connectRedis, type RedisConnections } from '../../src/redis/connect.js'
import { RedisKeys } from '../../src/redis/keys.js'
import { REDIS_URL, deleteKeys, skipWithoutRedis, uniquePrefix } from '../helpers/redis.js'
import { waitFor } from '../helpers/wait.js'

const logger = pino({ level: 'silent' })
const OPTIONS: AppendOptions = { historySize: 100, historyTtlMs: 60_000, idempotencyWindowMs: 1 }

describe('redis broker', { skip: skipWithoutRedis() }, () => {
  let prefix = ''
  let keys: RedisKeys
  const opened: RedisConnections[] = []
  const open = async () => {
    const connections = await connectRedis(
      {
        type: 'redis',
        url: REDIS_URL,
        keyPrefix: prefix,
        presenceTtlMs: 30_000,
        nodeRequestTimeoutMs: 2_000,
      },
      logger,
    )
    opened.push(connections)
    return connections
  }

  beforeEach(() => {
    prefix = uniquePrefix()
    keys = new RedisKeys(prefix)
  })
  afterEach(async () => {
    if (opened.length > 0) await deleteKeys(opened[0]!.commands, prefix)
    for (const connections of opened.splice(0)) await connections.close()
  })

  /** A node's broker recording what its handler receives. */
  async function node() {
    const broker = new RedisBroker(await open(), keys, logger)
    const received: Array<{ publication: StoredPublication; epoch: string }> = []
    const lost: string[] = []
    broker.setHandler({
      onPublication: (_channel, publication, epoch) => received.push({ publication, epoch }),
      onPresence: () => undefined,
      onStreamLost: (channel) => lost.push(channel),
    })
    return { broker, received, lost }
  }

  it('fills publications missed on pub/sub from history, in order', async () => {
    const subscriber = await node()
    const publisher = await node()
    await subscriber.broker.subscribe('gap')
    await publisher.broker.publish('gap', 'message', '1', OPTIONS)

    // Appends that reach the stream but never pub/sub: what a node misses while disconnected.
    const silent = new RedisHistory(await open().then((c) => c.commands), keys)
    await silent.append('gap', 'message', '2', OPTIONS)
    await silent.append('gap', 'message', '3', OPTIONS)
    await publisher.broker.publish('gap', 'message', '4', OPTIONS)

    await waitFor(() => subscriber.received.length >= 4)
    assert.deepEqual(
      subscriber.received.map((r) => [r.publication.offset, r.publication.data]),
      [
        [1, '1'],
        [2, '2'],
        [3, '3'],
        [4, '4'],
      ],
    )
    assert.deepEqual(subscriber.lost, [])
  })

  it('reports the channel lost when history no longer covers the gap', async () => {
    const subscriber = await node()
    const publisher = await node()
    await subscriber.broker.subscribe('trimmed')
    const small = { ...OPTIONS, historySize: 2 }
    await publisher.broker.publish('trimmed', 'message', '1', small)

    const silent = new RedisHistory(await open().then((c) => c.commands), keys)
    for (let i = 2; i <= 5; i++) await silent.append('trimmed', 'message', String(i), small)
    await publisher.broker.publish('trimmed', 'message', '6', small)

    await waitFor(() => subscriber.lost.length > 0)
    assert.deepEqual(subscriber.lost, ['trimmed'])
    assert.ok(
      !subscriber.received.some((r) => r.publication.offset === 2),
      'nothing is delivered out of a gap',
    )
  })

  it('announces the members of a node that stopped refreshing, within the TTL', async () => {
    const ttlMs = 400
    const expired: Array<[string, PresenceMember]> = []
    const dying = new RedisPresence((await open()).commands, keys, { ttlMs })
    const survivor = new RedisPresence((await open()).commands, keys, {
      ttlMs,
      announce: (channel, type, member) => {
        if (type === 'leave') expired.push([channel, member])
      },
    })
    await dying.join('room', 'c1', { id: 'ann' })
    await survivor.join('room', 'c2', { id: 'bob' })
    await dying.close()

    const started = Date.now()
    await waitFor(() => expired.length > 0, { timeoutMs: 3_000 })
    // The TTL, a refresh period, and room for a loaded machine.
    assert.ok(Date.now() - started < ttlMs + 1_000, 'gone within the TTL and a refresh period')
    assert.deepEqual(expired, [['room', { id: 'ann' }]])
    assert.deepEqual(await survivor.members('room'), [{ id: 'bob' }])
    await survivor.close()
  })

  it('puts a live node’s members back after Redis lost them, announcing the join', async () => {
    const connections = await open()
    const joined: PresenceMember[] = []
    const presence = new RedisPresence(connections.commands, keys, {
      ttlMs: 30_000,
      announce: (_channel, type, member) => {
        if (type === 'join') joined.push(member)
      },
    })
    await presence.join('hall', 'c1', { id: 'ann', info: { seat: 3 } })
    await deleteKeys(connections.commands, prefix)
    assert.deepEqual(await presence.members('hall'), [])

    await presence.refresh()
    assert.deepEqual(await presence.members('hall'), [{ id: 'ann', info: { seat: 3 } }])
    assert.deepEqual(joined, [{ id: 'ann', info: { seat: 3 } }])
    await presence.close()
  })
})
