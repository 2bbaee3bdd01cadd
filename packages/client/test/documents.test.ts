/**
 * `client.doc(name)` of `@switchboard/client/yjs` against real servers: SDK clients converge
 * on several documents over one connection each, beside channels; a dropped connection and a
 * server restart resync with no lost edit; a read-only token cannot change a document (the
 * server refuses with `forbidden`); awareness propagates and leaves on `destroy()`; long
 * messages go in parts; a refused document says so.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { LocalDocumentRelay } from '../../server/src/documents/relay/local.js'
import { signedToken } from '../../server/test/helpers/tokens.js'
import type { ClientOptions, WebSocketConstructor } from '../src/index.js'
import { createClient, type DocumentClient, type DocumentProvider } from '../src/yjs/index.js'
import { NetworkProxy } from './helpers/proxy.js'
import {
  API_KEY,
  RestartableServer,
  connectionCount,
  startServer,
  type TestServer,
} from './helpers/server.js'
import { seededRandom, waitFor } from './helpers/wait.js'

const open = new Set<DocumentClient>()

function docClient(url: string, options: Partial<ClientOptions> = {}): DocumentClient {
  const client = createClient({
    url,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    reconnect: { baseDelayMs: 50, maxDelayMs: 500 },
    random: seededRandom(7),
    ...options,
  })
  open.add(client)
  return client
}

function closeAll(): void {
  for (const client of open) client.close()
  open.clear()
}

const text = (provider: DocumentProvider) => provider.doc.getText('t').toString()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The Y.Text `t` of a document, read through the HTTP API. */
async function serverText(baseUrl: string, name: string): Promise<unknown> {
  const response = await fetch(`${baseUrl}/v1/documents/${encodeURIComponent(name)}`, {
    headers: { Authorization: `Bearer ${API_KEY}` },
  })
  return ((await response.json()) as { content: Record<string, unknown> }).content.t
}

async function converged(providers: DocumentProvider[], length: number, what: string) {
  await waitFor(
    () => providers.every((p) => text(p).length === length && text(p) === text(providers[0]!)),
    `${what}: ${providers.map((p) => JSON.stringify(text(p).slice(0, 40))).join(' / ')}`,
  )
}

describe('client.doc over a server', () => {
  let server: TestServer

  before(async () => {
    server = await startServer({
      auth: { anonymous: true },
      limits: { maxFrameBytes: 8 * 1024 },
      namespaces: { team: { public: false }, sealed: { documents: 'none' } },
    })
  })
  afterEach(closeAll)
  after(() => server.stop())

  it('converges two clients on three documents, each over one connection', async () => {
    const ann = docClient(server.url)
    const bob = docClient(server.url)
    const names = ['notes:a', 'notes:b', 'notes:c']
    const anns = names.map((name) => ann.doc(name))
    const bobs = names.map((name) => bob.doc(name))
    assert.equal(ann.doc('notes:a'), anns[0], 'the same provider on every call')
    const news: unknown[] = []
    ann.channel('notes:news').subscribe((message) => news.push(message.data))
    await Promise.all([...anns, ...bobs].map((p) => p.whenSynced()))
    assert.equal(await connectionCount(server.url), 2)

    // Both type into every document at once, at random places.
    const random = seededRandom(11)
    for (let round = 0; round < 30; round++) {
      for (const [i, provider] of [...anns, ...bobs].entries()) {
        const t = provider.doc.getText('t')
        t.insert(Math.floor(random() * (t.length + 1)), i < 3 ? 'A' : 'B')
      }
      if (round % 10 === 0) await sleep(5)
    }
    for (const [i, name] of names.entries()) {
      await converged([anns[i]!, bobs[i]!], 60, name)
      assert.equal(await serverText(server.url, name), text(anns[i]!))
      assert.equal(text(anns[i]!).replaceAll('B', ''), 'A'.repeat(30))
    }
    await bob.channel('notes:news').publish('channels still work')
    await waitFor(() => news.length === 1, 'a publication beside the documents')
  })

  it('propagates awareness, and removes it on destroy', async () => {
    const ann = docClient(server.url)
    const bob = docClient(server.url)
    const a = ann.doc('aware:doc')
    const b = bob.doc('aware:doc')
    await Promise.all([a.whenSynced(), b.whenSynced()])
    a.awareness.setLocalStateField('user', { name: 'Ann', cursor: 3 })
    await waitFor(
      () => (b.awareness.getStates().get(a.doc.clientID) as any)?.user?.name === 'Ann',
      "Ann's awareness at Bob",
    )
    a.awareness.setLocalStateField('user', { name: 'Ann', cursor: 7 })
    await waitFor(
      () => (b.awareness.getStates().get(a.doc.clientID) as any)?.user?.cursor === 7,
      "Ann's cursor move at Bob",
    )
    a.destroy()
    await waitFor(() => !b.awareness.getStates().has(a.doc.clientID), 'removed on destroy')
    assert.equal(a.closed, true)
  })

  it('cannot change a document with a read-only token: the server refuses, forbidden', async () => {
    const grants = (sub: string, capabilities: string[]) =>
      signedToken({ sub, channels: { 'team:*': capabilities } })
    const writer = docClient(server.url, { token: await grants('wes', ['subscribe', 'publish']) })
    const reader = docClient(server.url, { token: await grants('rae', ['subscribe']) })
    const w = writer.doc('team:plan')
    const r = reader.doc('team:plan')
    await Promise.all([w.whenSynced(), r.whenSynced()])
    assert.equal(w.access, 'read-write')
    assert.equal(r.access, 'read-only')
    w.doc.getText('t').insert(0, 'agenda')
    await waitFor(() => text(r) === 'agenda', 'the edit at the reader')

    const errors: string[] = []
    r.on('error', (error) => errors.push(error.code))
    r.doc.getText('t').insert(0, 'X')
    await waitFor(() => errors.length > 0, 'the refusal')
    assert.deepEqual(errors, ['forbidden'])
    w.doc.getText('t').insert(6, '!')
    await waitFor(() => text(r) === 'Xagenda!', 'later edits still reach the reader')
    assert.equal(text(w), 'agenda!')
    assert.equal(await serverText(server.url, 'team:plan'), 'agenda!')
    assert.equal(r.closed, false)
  })

  it('sends a long paste in parts', async () => {
    const ann = docClient(server.url)
    const bob = docClient(server.url)
    const a = ann.doc('long:paste')
    const b = bob.doc('long:paste')
    await Promise.all([a.whenSynced(), b.whenSynced()])
    const paste = Array.from({ length: 4_000 }, (_, i) => `line ${i}\n`).join('')
    a.doc.getText('t').insert(0, paste)
    await waitFor(() => text(b) === paste, 'the paste at Bob', 10_000)
    assert.equal(await serverText(server.url, 'long:paste'), paste)
  })

  it('says when the server refuses a document', async () => {
    const client = docClient(server.url)
    const sealed = client.doc('sealed:doc', { doc: new Y.Doc() })
    await assert.rejects(sealed.whenSynced(), { code: 'forbidden' })
    assert.equal(sealed.closed, true)
    assert.throws(() => client.doc('bad name'), { code: 'invalid_channel' })
    const again = client.doc('sealed:doc')
    assert.notEqual(again, sealed, 'a refused document can be asked for again')
    again.destroy()
  })
})

describe('client.doc when the server ends a document and asks to come back', () => {
  let server: TestServer
  let failSubscribes = 0

  before(async () => {
    // A relay that cannot subscribe at first: the node gives up the document and its clients
    // are told to open it again (doc.closed, internal_error, reconnect: true).
    const relay = new LocalDocumentRelay()
    relay.subscribe = async () => {
      if (failSubscribes-- > 0) throw new Error('relay unreachable')
    }
    server = await startServer({ auth: { anonymous: true } }, { documentRelay: relay })
  })
  afterEach(closeAll)
  after(() => server.stop())

  it('opens it again after a backoff delay and syncs', async () => {
    const ann = docClient(server.url)
    await waitFor(() => ann.state === 'connected', 'connected')
    failSubscribes = 2
    const a = ann.doc('flaky:doc')
    a.doc.getText('t').insert(0, 'kept')
    await a.whenSynced()
    assert.equal(failSubscribes, -1, 'two attempts failed, the third opened it')
    assert.equal(await serverText(server.url, 'flaky:doc'), 'kept')
    assert.equal(a.closed, false)
  })
})

describe('client.doc across connection losses', () => {
  let server: TestServer
  let proxy: NetworkProxy

  before(async () => {
    server = await startServer({ auth: { anonymous: true } })
    proxy = await NetworkProxy.start(server.port)
  })
  afterEach(closeAll)
  after(async () => {
    await proxy.stop()
    await server.stop()
  })

  it('resyncs after a dropped connection with no lost edit, both ways', async () => {
    const ann = docClient(proxy.url)
    const bob = docClient(server.url)
    const a = ann.doc('drop:doc')
    const b = bob.doc('drop:doc')
    await Promise.all([a.whenSynced(), b.whenSynced()])
    a.doc.getText('t').insert(0, 'before|')
    await waitFor(() => text(b) === 'before|', 'the first edit')

    const syncedStates: boolean[] = []
    a.on('synced', (synced) => syncedStates.push(synced))
    proxy.down()
    await waitFor(() => ann.state !== 'connected', 'Ann to notice')
    // Both edit while apart: Ann offline, Bob live.
    a.doc.getText('t').insert(7, 'ann offline|')
    b.doc.getText('t').insert(0, 'bob meanwhile|')
    await sleep(100)
    proxy.restore()
    await a.whenSynced()
    await converged([a, b], 'before|ann offline|bob meanwhile|'.length, 'both after the drop')
    assert.deepEqual(syncedStates.slice(0, 2), [false, true])
    assert.equal(await serverText(server.url, 'drop:doc'), text(b))
  })
})

describe('client.doc across a server restart', () => {
  const server = new RestartableServer({
    auth: { anonymous: true },
    channelDefaults: { public: true },
  })

  before(() => server.start())
  afterEach(closeAll)
  after(() => server.dispose())

  it('resyncs after the server is killed and started again, with no lost edit', async () => {
    const ann = docClient(server.url)
    const bob = docClient(server.url)
    const a1 = ann.doc('restart:one')
    const a2 = ann.doc('restart:two')
    const b1 = bob.doc('restart:one')
    const b2 = bob.doc('restart:two')
    await Promise.all([a1, a2, b1, b2].map((p) => p.whenSynced()))
    a1.doc.getText('t').insert(0, 'one|')
    b2.doc.getText('t').insert(0, 'two|')
    await converged([a1, b1], 4, 'one before the crash')
    await converged([a2, b2], 4, 'two before the crash')

    await server.kill()
    await waitFor(() => ann.state !== 'connected' && bob.state !== 'connected', 'both to notice')
    a1.doc.getText('t').insert(4, 'ann while down|')
    b2.doc.getText('t').insert(4, 'bob while down|')
    await server.start()

    await converged([a1, b1], 'one|ann while down|'.length, 'one after the restart')
    await converged([a2, b2], 'two|bob while down|'.length, 'two after the restart')
    assert.equal(await serverText(server.url, 'restart:one'), 'one|ann while down|')
    assert.equal(await serverText(server.url, 'restart:two'), 'two|bob while down|')
  })
})
