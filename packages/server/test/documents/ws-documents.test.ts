/**
 * Documents over the `/ws` connection, frame by frame as docs/protocol.md specifies them:
 * `doc.open`, `doc.message` (whole or in parts), `doc.close`, `doc` and `doc.closed` pushes;
 * many documents on one connection beside channels; the access rules and limits of `/docs`;
 * and every bad input answered with its stable code while the connection keeps working.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import {
  connectProvider,
  contentOf,
  postUpdate,
  waitSynced,
  type TestProvider,
} from '../helpers/documents.js'
import { JWT_SECRET, startServer, type TestServer } from '../helpers/server.js'
import { signedToken } from '../helpers/tokens.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient, type Frame } from '../helpers/ws-client.js'

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

function message(write: (encoder: encoding.Encoder) => void): string {
  const encoder = encoding.createEncoder()
  write(encoder)
  return b64(encoding.toUint8Array(encoder))
}

const syncStep1 = (doc: Y.Doc) =>
  message((e) => {
    encoding.writeVarUint(e, 0)
    syncProtocol.writeSyncStep1(e, doc)
  })

const updateMessage = (update: Uint8Array) =>
  message((e) => {
    encoding.writeVarUint(e, 0)
    syncProtocol.writeUpdate(e, update)
  })

const awarenessMessage = (awareness: awarenessProtocol.Awareness) =>
  message((e) => {
    encoding.writeVarUint(e, 1)
    encoding.writeVarUint8Array(
      e,
      awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]),
    )
  })

/** An update inserting `text` at the start of a fresh document's Y.Text `t`. */
function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

/** The y-protocols message types of a client's `doc` pushes for one document. */
function pushKinds(client: TestClient, doc: string): string[] {
  return client.frames
    .filter((f) => f.type === 'doc' && f.doc === doc)
    .map((f) => {
      const decoder = decoding.createDecoder(Buffer.from(f.data, 'base64'))
      const type = decoding.readVarUint(decoder)
      if (type === 1) return 'awareness'
      return ['step1', 'step2', 'update'][decoding.readVarUint(decoder)]!
    })
}

/** Applies every sync push of `doc` a client received to a Y.Doc. */
function replay(client: TestClient, doc: string): Y.Doc {
  const ydoc = new Y.Doc()
  for (const frame of client.frames) {
    if (frame.type !== 'doc' || frame.doc !== doc) continue
    const decoder = decoding.createDecoder(Buffer.from(frame.data, 'base64'))
    if (decoding.readVarUint(decoder) !== 0) continue
    syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), ydoc, 'server')
  }
  return ydoc
}

describe('documents over /ws', () => {
  let server: TestServer
  const clients: TestClient[] = []
  const providers: TestProvider[] = []
  const connect = async (query = '') => {
    const client = await TestClient.connect(`${server.wsUrl}${query}`)
    clients.push(client)
    return client
  }

  before(async () => {
    server = await startServer({
      auth: { jwtSecret: JWT_SECRET, anonymous: true },
      limits: { maxFrameBytes: 4096 },
      documents: { maxUpdateBytes: 8192, maxPerConnection: 3 },
      namespaces: {
        published: { documents: 'read-only' },
        sealed: { documents: 'none' },
        team: { public: false },
      },
    })
  })
  afterEach(() => {
    for (const client of clients.splice(0)) client.close()
    for (const provider of providers.splice(0)) provider.destroy()
  })
  after(() => server.stop())

  it('syncs several documents on one connection, beside a channel', async () => {
    const client = await connect()
    const a = await client.request({ action: 'doc.open', doc: 'multi:a' })
    assert.deepEqual(a, {
      id: a.id,
      ok: true,
      doc: 'multi:a',
      access: 'read-write',
      maxChunkChars: Math.floor((4096 - 256 - 'multi:a'.length) / 4) * 4,
    })
    await client.request({ action: 'doc.open', doc: 'multi:b' })
    await client.request({ action: 'subscribe', channel: 'multi:news' })
    await waitFor(() => pushKinds(client, 'multi:a')[0] === 'step1', { message: 'step 1 of a' })
    assert.deepEqual(pushKinds(client, 'multi:b'), ['step1'])
    // The reply comes before the document's pushes.
    const replyAt = client.frames.findIndex((f) => f.id === a.id)
    assert.ok(replyAt < client.frames.findIndex((f) => f.type === 'doc' && f.doc === 'multi:a'))

    assert.deepEqual(
      await client.request({
        action: 'doc.message',
        doc: 'multi:a',
        data: updateMessage(textUpdate('alpha')),
      }),
      { id: clients[0]!.frames.at(-1)!.id, ok: true },
    )
    assert.equal(await contentOf(server, 'multi:a'), 'alpha')
    assert.equal(await contentOf(server, 'multi:b'), undefined)

    // A y-websocket editor of b and the /ws client see each other's edits.
    const editor = connectProvider(server.port, 'multi:b')
    providers.push(editor)
    await waitSynced(editor)
    editor.text.insert(0, 'from /docs')
    await waitFor(() => replay(client, 'multi:b').getText('t').toString() === 'from /docs', {
      message: 'the edit as a doc push',
    })
    await client.request({
      action: 'doc.message',
      doc: 'multi:b',
      data: updateMessage(Y.encodeStateAsUpdate(replayedWith(client, 'multi:b', '> '))),
    })
    await waitFor(() => editor.text.toString() === '> from /docs', { message: 'the /ws edit' })
    assert.equal(
      client.frames.filter((f) => f.type === 'doc' && f.doc === 'multi:a').length,
      1,
      'nothing of b arrived as a',
    )

    // A sync step 1 is answered with what the client misses.
    await client.request({ action: 'doc.message', doc: 'multi:a', data: syncStep1(new Y.Doc()) })
    await waitFor(() => pushKinds(client, 'multi:a').includes('step2'), { message: 'step 2' })
    assert.equal(replay(client, 'multi:a').getText('t').toString(), 'alpha')
  })

  it('joins a message sent in parts, and refuses parts out of order', async () => {
    const client = await connect()
    const opened = await client.request({ action: 'doc.open', doc: 'parts:doc' })
    const text = 'x'.repeat(6000)
    const data = updateMessage(textUpdate(text))
    const size = opened.maxChunkChars as number
    const chunks = [] as string[]
    for (let at = 0; at < data.length; at += size) chunks.push(data.slice(at, at + size))
    assert.ok(chunks.length >= 2)

    const replies = await Promise.all(
      chunks.map((chunk, part) =>
        client.request({
          action: 'doc.message',
          doc: 'parts:doc',
          data: chunk,
          part,
          parts: chunks.length,
        }),
      ),
    )
    assert.ok(replies.every((reply) => reply.ok === true))
    assert.equal(await contentOf(server, 'parts:doc'), text)

    const skipped = await client.request({
      action: 'doc.message',
      doc: 'parts:doc',
      data: chunks[1],
      part: 1,
      parts: 2,
    })
    assert.equal(skipped.error.code, 'bad_request')
    const numbers = await client.request({
      action: 'doc.message',
      doc: 'parts:doc',
      data: chunks[0],
      part: 2,
      parts: 2,
    })
    assert.equal(numbers.error.code, 'bad_request')
  })

  it('closes a document whose message is over the limit, and keeps the connection', async () => {
    const client = await connect()
    const opened = await client.request({ action: 'doc.open', doc: 'big:doc' })
    await client.request({ action: 'doc.open', doc: 'big:other' })
    // 8 KiB is the update limit; a message is allowed 64 KiB more for its framing.
    const data = updateMessage(textUpdate('y'.repeat(80_000)))
    const size = opened.maxChunkChars as number
    const parts = Math.ceil(data.length / size)
    let refused: Frame | undefined
    for (let part = 0; part < parts && refused === undefined; part++) {
      const reply = await client.request({
        action: 'doc.message',
        doc: 'big:doc',
        data: data.slice(part * size, (part + 1) * size),
        part,
        parts,
      })
      if (reply.error !== undefined) refused = reply
    }
    assert.equal(refused?.error.code, 'update_too_large')
    const closed = await client.waitFrame((f) => f.type === 'doc.closed')
    assert.deepEqual(closed, {
      type: 'doc.closed',
      doc: 'big:doc',
      code: 'update_too_large',
      reconnect: false,
    })
    const after = await client.request({ action: 'doc.message', doc: 'big:doc', data: '' })
    assert.equal(after.error.code, 'document_not_open')

    // The other document is untouched; a single frame over limits.maxFrameBytes is what
    // /ws refuses for any request: the connection closes with 1009.
    assert.equal((await client.request({ action: 'doc.close', doc: 'big:other' })).ok, true)
    client.send(JSON.stringify({ action: 'doc.message', doc: 'big:other', data: 'A'.repeat(5000) }))
    assert.equal(await client.waitClosed(), 1009)
  })

  it('closes a document on an invalid update; its other documents carry on', async () => {
    const client = await connect()
    await client.request({ action: 'doc.open', doc: 'bad:doc' })
    await client.request({ action: 'doc.open', doc: 'bad:fine' })
    const garbage = b64(Uint8Array.from([0, 2, 5, 1, 2, 3, 4, 5]))
    const reply = await client.request({ action: 'doc.message', doc: 'bad:doc', data: garbage })
    assert.equal(reply.error.code, 'invalid_update')
    const closed = await client.waitFrame((f) => f.type === 'doc.closed')
    assert.deepEqual(closed, {
      type: 'doc.closed',
      doc: 'bad:doc',
      code: 'protocol_error',
      reconnect: false,
    })
    const truncated = await client.request({ action: 'doc.message', doc: 'bad:fine', data: 'AA==' })
    assert.equal(truncated.error.code, 'invalid_update')
    const fine = await client.request({ action: 'doc.open', doc: 'bad:fine' })
    assert.equal(fine.ok, true)
    const ok = await client.request({
      action: 'doc.message',
      doc: 'bad:fine',
      data: updateMessage(textUpdate('still here')),
    })
    assert.equal(ok.ok, true)
    assert.equal(await contentOf(server, 'bad:fine'), 'still here')
    assert.equal(client.closeCode, undefined)
  })

  it('answers malformed and refused requests with stable codes', async () => {
    const client = await connect()
    const expect = async (request: Frame, code: string) => {
      const reply = await client.request(request)
      assert.equal(reply.error?.code, code, JSON.stringify(request))
    }
    await expect({ action: 'doc.message', doc: 'codes:x', data: '' }, 'document_not_open')
    await expect({ action: 'doc.close', doc: 'codes:x' }, 'document_not_open')
    await expect({ action: 'doc.open' }, 'bad_request')
    await expect({ action: 'doc.open', doc: 7 }, 'bad_request')
    await expect({ action: 'doc.open', doc: 'has space' }, 'invalid_channel')
    await expect({ action: 'doc.open', doc: 'sealed:x' }, 'forbidden')
    await expect({ action: 'doc.open', doc: 'team:x' }, 'forbidden')
    await client.request({ action: 'doc.open', doc: 'codes:x' })
    await expect({ action: 'doc.message', doc: 'codes:x' }, 'bad_request')
    await expect({ action: 'doc.message', doc: 'codes:x', data: 'not base64!' }, 'bad_request')
    await expect({ action: 'doc.message', doc: 'codes:x', data: 'AAA' }, 'bad_request')
    await expect({ action: 'doc.message', doc: 'codes:x', data: 'AA==', part: 0 }, 'bad_request')
    await expect(
      { action: 'doc.message', doc: 'codes:x', data: 'AA==', part: 2, parts: 2 },
      'bad_request',
    )

    await client.request({ action: 'doc.open', doc: 'codes:y' })
    await client.request({ action: 'doc.open', doc: 'codes:z' })
    await expect({ action: 'doc.open', doc: 'codes:w' }, 'limit_exceeded')
    await client.request({ action: 'doc.close', doc: 'codes:z' })
    assert.equal((await client.request({ action: 'doc.open', doc: 'codes:w' })).ok, true)
    await expect(
      { action: 'doc.message', doc: 'codes:x', data: b64(Uint8Array.from([9])) },
      'invalid_update',
    )

    // Over HTTP there is no stream for the pushes.
    const response = await fetch(`${server.url}/client/request`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ action: 'doc.open', doc: 'codes:x' }),
    })
    assert.equal(response.status, 400)
    assert.equal(((await response.json()) as any).error.code, 'bad_request')
    assert.equal(client.closeCode, undefined)
  })

  it('refuses updates of a read-only document with forbidden, and keeps it open', async () => {
    // The namespace is read-only for clients; the HTTP API writes.
    const writer = new Y.Doc()
    const write = async (at: number, text: string) => {
      const before = Y.encodeStateVector(writer)
      writer.getText('t').insert(at, text)
      await postUpdate(server, 'published:post', Y.encodeStateAsUpdate(writer, before))
    }
    await write(0, 'news')

    const client = await connect()
    const opened = await client.request({ action: 'doc.open', doc: 'published:post' })
    assert.equal(opened.access, 'read-only')
    const refused = await client.request({
      action: 'doc.message',
      doc: 'published:post',
      data: updateMessage(textUpdate('graffiti')),
    })
    assert.equal(refused.error.code, 'forbidden')
    await client.request({
      action: 'doc.message',
      doc: 'published:post',
      data: syncStep1(new Y.Doc()),
    })
    await waitFor(() => replay(client, 'published:post').getText('t').toString() === 'news', {
      message: 'the document read over /ws',
    })
    await write(4, '!')
    await waitFor(() => replay(client, 'published:post').getText('t').toString() === 'news!', {
      message: 'later edits still pushed',
    })
    assert.equal(await contentOf(server, 'published:post'), 'news!')
  })

  it('narrows or closes open documents when a refresh narrows the token', async () => {
    const grants = (patterns: string[]) => ({ sub: 'rae', channels: { 'team:*': patterns } })
    const client = await connect(`?token=${await signedToken(grants(['subscribe', 'publish']))}`)
    assert.equal(
      (await client.request({ action: 'doc.open', doc: 'team:doc' })).access,
      'read-write',
    )

    await client.request({ action: 'refresh', token: await signedToken(grants(['subscribe'])) })
    const refused = await client.request({
      action: 'doc.message',
      doc: 'team:doc',
      data: updateMessage(textUpdate('no')),
    })
    assert.equal(refused.error.code, 'forbidden')

    await client.request({ action: 'refresh', token: await signedToken(grants(['presence'])) })
    const closed = await client.waitFrame((f) => f.type === 'doc.closed')
    assert.deepEqual(closed, {
      type: 'doc.closed',
      doc: 'team:doc',
      code: 'forbidden',
      reconnect: false,
    })
  })

  it('relays awareness, and removes it on doc.close and on disconnect', async (t) => {
    const watcher = connectProvider(server.port, 'aware:doc')
    providers.push(watcher)
    await waitSynced(watcher)
    const states = () => watcher.provider.awareness.getStates()

    const client = await connect()
    await client.request({ action: 'doc.open', doc: 'aware:doc' })
    const awareness = new awarenessProtocol.Awareness(new Y.Doc())
    // Its renewal timer would keep the test process alive.
    t.after(() => awareness.destroy())
    awareness.setLocalState({ user: 'wes' })
    await client.request({
      action: 'doc.message',
      doc: 'aware:doc',
      data: awarenessMessage(awareness),
    })
    await waitFor(() => (states().get(awareness.clientID) as any)?.user === 'wes', {
      message: 'the awareness state at the watcher',
    })
    await client.request({ action: 'doc.close', doc: 'aware:doc' })
    await waitFor(() => !states().has(awareness.clientID), { message: 'removed on doc.close' })

    // Removal moved the state's clock on: announcing again takes a newer one.
    await client.request({ action: 'doc.open', doc: 'aware:doc' })
    awareness.setLocalState({ user: 'wes' })
    await client.request({
      action: 'doc.message',
      doc: 'aware:doc',
      data: awarenessMessage(awareness),
    })
    await waitFor(() => states().has(awareness.clientID), { message: 'announced again' })
    client.drop()
    await waitFor(() => !states().has(awareness.clientID), { message: 'removed on disconnect' })
  })
})

/** A Y.Doc holding the pushes `client` received for `doc`, with `prefix` inserted first. */
function replayedWith(client: TestClient, doc: string, prefix: string): Y.Doc {
  const ydoc = replay(client, doc)
  ydoc.getText('t').insert(0, prefix)
  return ydoc
}
