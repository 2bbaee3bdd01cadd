/**
 * Documents on Switchboard nodes in separate processes that share Redis (the broker, hence the
 * Redis document relay) and PostgreSQL (the document store): y-websocket clients on each node
 * editing at once converge, and a node that opens the document while edits are in flight
 * gets the persisted state and every update after it. Skipped without Redis or PostgreSQL,
 * failing in CI (`CI=true`).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { contentOf, connectProvider, waitSynced, type TestProvider } from '../helpers/documents.js'
import { PG_URL, dropSchema, skipWithoutPostgres, uniqueSchema } from '../helpers/postgres.js'
import { REDIS_URL, deleteKeys, skipWithoutRedis, uniquePrefix } from '../helpers/redis.js'
import { API_KEY, startChild, type ChildServer } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

const NODE_ARGS = ['--host', '127.0.0.1', '--port', '0', '--memory']

/** A seeded generator, so a failing interleaving can be replayed. */
function seeded(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Inserts `mark` at random places, one every few ms, until `more()` says stop. */
async function typeUntil(
  provider: TestProvider,
  mark: string,
  random: () => number,
  more: (typed: number) => boolean,
): Promise<number> {
  let typed = 0
  while (more(typed)) {
    provider.text.insert(Math.floor(random() * (provider.text.length + 1)), mark)
    typed++
    await sleep(2 + Math.floor(random() * 8))
  }
  return typed
}

function count(text: string, mark: string): number {
  return text.split(mark).length - 1
}

const skip = skipWithoutRedis() || skipWithoutPostgres()

describe('documents on two nodes sharing Redis and PostgreSQL', { skip }, () => {
  const prefix = uniquePrefix()
  const schema = uniqueSchema()
  const config = {
    apiKeys: [API_KEY],
    auth: { anonymous: true },
    channelDefaults: { public: true },
    broker: { type: 'redis', url: REDIS_URL, keyPrefix: prefix },
    documents: { store: 'postgres', postgresUrl: PG_URL, postgresSchema: schema },
  }
  const nodes: ChildServer[] = []
  const providers: TestProvider[] = []
  const open = (node: ChildServer, name: string) => {
    const provider = connectProvider(node.port, name)
    providers.push(provider)
    return provider
  }

  before(async () => {
    // Started together, as a deployment does; each one that started is stopped after.
    const started = await Promise.allSettled([1, 2].map(() => startChild(NODE_ARGS, {}, config)))
    for (const node of started) if (node.status === 'fulfilled') nodes.push(node.value)
    const failed = started.find((node) => node.status === 'rejected')
    if (failed !== undefined) throw failed.reason
  })

  after(async () => {
    for (const provider of providers) provider.destroy()
    await Promise.all(nodes.map((node) => node.kill('SIGTERM')))
    const redis = new Redis(REDIS_URL)
    await deleteKeys(redis, prefix)
    redis.disconnect()
    await dropSchema(schema)
  })

  it('Two nodes on Redis with clients on each converge', async () => {
    const [one, two] = nodes as [ChildServer, ChildServer]
    const editors = [open(one, 'shared:notes'), open(one, 'shared:notes')]
    editors.push(open(two, 'shared:notes'), open(two, 'shared:notes'))
    await waitSynced(...editors)

    const marks = ['a', 'b', 'c', 'd']
    const typed = await Promise.all(
      editors.map((editor, i) => typeUntil(editor, marks[i]!, seeded(i + 1), (n) => n < 40)),
    )
    const total = typed.reduce((sum, n) => sum + n, 0)
    const first = editors[0]!.text
    await waitFor(
      () => editors.every((e) => e.text.length === total && e.text.toString() === `${first}`),
      { timeoutMs: 20_000, message: `all four editors to hold the same ${total} characters` },
    )
    const text = first.toString()
    for (const [i, mark] of marks.entries()) assert.equal(count(text, mark), typed[i])
    // Each node's copy, read through its HTTP API, is the same document.
    assert.equal(await contentOf(one, 'shared:notes'), text)
    assert.equal(await contentOf(two, 'shared:notes'), text)
  })

  const late = 'a node opening the document later gets the persisted state plus in-flight updates'
  it(late, async () => {
    const [one, two] = nodes as [ChildServer, ChildServer]
    const a = open(one, 'shared:late')
    const b = open(two, 'shared:late')
    await waitSynced(a, b)
    a.text.insert(0, 'persisted first. ')
    await waitFor(() => b.text.length === a.text.length, { message: 'the first line on node two' })

    // Both keep typing while a third node starts and its client opens the document.
    let typing = true
    const loops = [
      typeUntil(a, 'x', seeded(7), () => typing),
      typeUntil(b, 'y', seeded(8), () => typing),
    ]
    const three = await startChild(NODE_ARGS, {}, config)
    nodes.push(three)
    const late = open(three, 'shared:late')
    await waitSynced(late)
    await sleep(300)
    typing = false
    const [xs, ys] = await Promise.all(loops)
    late.text.insert(0, 'z')

    const expected = 'persisted first. '.length + xs! + ys! + 1
    const all = [a, b, late]
    await waitFor(
      () => all.every((e) => e.text.length === expected && e.text.toString() === a.text.toString()),
      { timeoutMs: 20_000, message: `three editors on three nodes to hold ${expected} characters` },
    )
    assert.equal(count(late.text.toString(), 'x'), xs)
    assert.equal(count(late.text.toString(), 'y'), ys)
    assert.equal(count(late.text.toString(), 'z'), 1)
    assert.equal(await contentOf(three, 'shared:late'), a.text.toString())
  })
})

describe(
  'a Redis node whose documents are not in a shared store',
  { skip: skipWithoutRedis() },
  () => {
    it('says at start that its documents are not shared between nodes', async () => {
      const prefix = uniquePrefix()
      const node = await startChild(
        NODE_ARGS,
        {},
        {
          apiKeys: [API_KEY],
          broker: { type: 'redis', url: REDIS_URL, keyPrefix: prefix },
        },
      )
      try {
        const line = node
          .stderr()
          .split('\n')
          .find((l) => l.includes('documents are not shared between nodes'))
        assert.ok(line, `a warning in ${node.stderr()}`)
        assert.equal(JSON.parse(line).level, 40)
      } finally {
        await node.kill('SIGTERM')
        const redis = new Redis(REDIS_URL)
        await deleteKeys(redis, prefix)
        redis.disconnect()
      }
    })
  },
)
