/**
 * Bad input on `/docs/{name}` and the document limits: each gets its close code and costs the
 * sender its connection only; the document and its other clients carry on.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import * as Y from 'yjs'
import {
  connectProvider,
  contentOf,
  postUpdate,
  waitSynced,
  waitText,
  type TestProvider,
} from '../helpers/documents.js'
import { startServer, type TestServer } from '../helpers/server.js'

/** Opens a raw socket on a document, sends `frames`, and resolves with the close code. */
async function closeCodeAfter(
  port: number,
  name: string,
  frames: (Uint8Array | string)[],
): Promise<{ code: number; reason: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/docs/${name}`)
  const closed = once(ws, 'close')
  await once(ws, 'open')
  for (const frame of frames) ws.send(frame)
  const [code, reason] = (await closed) as [number, Buffer]
  return { code, reason: reason.toString() }
}

/** A sync-protocol update message (type 0, step 2) around `update`. */
function updateMessage(update: Uint8Array): Uint8Array {
  const length: number[] = []
  let n = update.length
  while (n > 0x7f) {
    length.push(0x80 | (n & 0x7f))
    n >>>= 7
  }
  length.push(n)
  return new Uint8Array([0, 2, ...length, ...update])
}

function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

describe('documents: bad input and limits', () => {
  let server: TestServer
  let witness: TestProvider

  before(async () => {
    server = await startServer({ documents: { maxUpdateBytes: 2048, maxDocumentBytes: 8192 } })
    witness = connectProvider(server.port, 'robust')
    await waitSynced(witness)
    witness.text.insert(0, 'intact')
  })
  after(async () => {
    witness.destroy()
    await server.stop()
  })

  it('closes with 4400 on malformed y-protocols messages and text frames', async () => {
    for (const frames of [
      [new Uint8Array([0x80])], // truncated varUint
      [new Uint8Array([9, 1, 2])], // unknown message type
      [new Uint8Array([0, 7, 0])], // unknown sync step
      [new Uint8Array([0, 2, 5, 1, 2])], // update shorter than announced
      [updateMessage(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))], // not a Yjs update
      [new Uint8Array([1, 3, 1, 7, 0])], // awareness cut short
      ['{"hello":"json"}'],
    ]) {
      const { code, reason } = await closeCodeAfter(server.port, 'robust', frames)
      assert.equal(code, 4400, `frames ${JSON.stringify(frames)}`)
      assert.equal(reason, 'protocol_error')
    }
    await waitText(witness, 'intact')
    assert.equal(await contentOf(server, 'robust'), 'intact')
  })

  it('closes with 4404 on a document name that is not valid', async () => {
    const { code, reason } = await closeCodeAfter(server.port, 'bad%20name', [])
    assert.equal(code, 4404)
    assert.equal(reason, 'invalid_document_name')
  })

  it('closes with 4413 on an update over documents.maxUpdateBytes', async () => {
    const { code, reason } = await closeCodeAfter(server.port, 'robust', [
      updateMessage(textUpdate('x'.repeat(3000))),
    ])
    assert.equal(code, 4413)
    assert.equal(reason, 'update_too_large')
    assert.equal(await contentOf(server, 'robust'), 'intact')
  })

  it('refuses updates that would grow a document past documents.maxDocumentBytes', async () => {
    const writer = connectProvider(server.port, 'full')
    await waitSynced(writer)
    let code: number | undefined
    writer.provider.on('connection-close', (event: any) => (code ??= event?.code))
    for (let i = 0; i < 6; i++) writer.text.insert(writer.text.length, 'y'.repeat(1500))
    const deadline = Date.now() + 5_000
    while (code === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    writer.destroy()

    assert.equal(code, 4409)
    const stored = (await contentOf(server, 'full')) as string
    assert.ok(stored.length <= 8192 && stored.length >= 1500, `stored ${stored.length} chars`)
  })

  it('answers the HTTP API with stable codes for bad updates', async () => {
    const garbage = await postUpdate(server, 'robust', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))
    assert.equal(garbage.status, 400)
    assert.equal(garbage.body.error.code, 'invalid_update')

    const large = await postUpdate(server, 'robust', textUpdate('z'.repeat(2500)))
    assert.equal(large.status, 413)
    assert.equal(large.body.error.code, 'update_too_large')

    const badName = await postUpdate(server, 'bad name', textUpdate('a'))
    assert.equal(badName.status, 400)
    assert.equal(badName.body.error.code, 'invalid_channel')
    assert.equal(await contentOf(server, 'robust'), 'intact')
  })
})
