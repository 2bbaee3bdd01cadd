/**
 * The documents HTTP API: content as JSON, updates from a serverless function (binary and
 * base64) reaching connected editors, and named versions: create, list, read, restore.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as Y from 'yjs'
import {
  connectProvider,
  postUpdate,
  waitSynced,
  waitText,
  type TestProvider,
} from '../helpers/documents.js'
import { API_KEY, apiGet, apiPost, startServer, type TestServer } from '../helpers/server.js'

const path = (name: string, rest = '') => `/v1/documents/${encodeURIComponent(name)}${rest}`

describe('documents HTTP API', () => {
  let server: TestServer
  let editor: TestProvider

  before(async () => {
    server = await startServer()
    editor = connectProvider(server.port, 'api:page')
    await waitSynced(editor)
  })
  after(async () => {
    editor.destroy()
    await server.stop()
  })

  it('needs the API key', async () => {
    const { status, body } = await apiGet(`${server.url}${path('api:page')}`, null)
    assert.equal(status, 401)
    assert.equal(body.error.code, 'unauthorized')
  })

  it('applies updates from a function and serves the content as JSON', async () => {
    const fn = new Y.Doc()
    fn.getText('t').insert(0, 'from a function')
    const binary = await postUpdate(server, 'api:page', Y.encodeStateAsUpdate(fn))
    assert.deepEqual(binary, { status: 200, body: { name: 'api:page', applied: true } })
    await waitText(editor, 'from a function')

    const before = Y.encodeStateVector(fn)
    fn.getMap('meta').set('title', 'Weekly')
    fn.getArray('tags').push(['a', 'b'])
    const update = Buffer.from(Y.encodeStateAsUpdate(fn, before)).toString('base64')
    const json = await apiPost(`${server.url}${path('api:page', '/updates')}`, { update })
    assert.equal(json.status, 200)

    const { status, body } = await apiGet(`${server.url}${path('api:page')}`)
    assert.equal(status, 200)
    assert.deepEqual(body.content, {
      t: 'from a function',
      meta: { title: 'Weekly' },
      tags: ['a', 'b'],
    })
  })

  it('creates, lists, reads and restores named versions', async () => {
    editor.text.delete(0, editor.text.length)
    editor.text.insert(0, 'version one')
    await waitContent(server, 'api:page', 'version one')
    const created = await apiPost(`${server.url}${path('api:page', '/versions')}`, { name: 'v1' })
    assert.equal(created.status, 201)
    assert.equal(created.body.name, 'v1')

    const again = await apiPost(`${server.url}${path('api:page', '/versions')}`, { name: 'v1' })
    assert.equal(again.status, 409)
    assert.equal(again.body.error.code, 'version_exists')

    editor.text.insert(editor.text.length, ', then more')
    editor.text.delete(0, 8)
    await waitContent(server, 'api:page', 'one, then more')

    const list = await apiGet(`${server.url}${path('api:page', '/versions')}`)
    assert.deepEqual(
      list.body.versions.map((v: any) => v.name),
      ['v1'],
    )
    const read = await apiGet(`${server.url}${path('api:page', '/versions/v1')}`)
    assert.equal(read.body.content.t, 'version one')

    const restored = await apiPost(`${server.url}${path('api:page', '/versions/v1/restore')}`, {})
    assert.deepEqual(restored.body, { name: 'api:page', restored: 'v1' })
    await waitText(editor, 'version one')
    await waitContent(server, 'api:page', 'version one')

    const missing = await apiGet(`${server.url}${path('api:page', '/versions/nope')}`)
    assert.equal(missing.status, 404)
    assert.equal(missing.body.error.code, 'not_found')
  })

  it('reads a document never written as empty', async () => {
    const { status, body } = await apiGet(`${server.url}${path('api:empty')}`)
    assert.equal(status, 200)
    assert.deepEqual(body, { name: 'api:empty', content: {} })
    assert.ok(API_KEY.length > 0)
  })
})

async function waitContent(server: TestServer, name: string, text: string): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const { body } = await apiGet(`${server.url}${path(name)}`)
    if (body.content?.t === text) return
    if (Date.now() > deadline) throw new Error(`content is ${JSON.stringify(body.content)}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
