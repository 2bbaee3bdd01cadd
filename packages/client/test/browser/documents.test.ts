/**
 * `client.doc(name)` in tabs of real headless Chromium that share one connection: the tabs
 * and a Node client on a connection of its own converge on one document; a tab leaving the
 * document does not close it for the others, and when the tab holding the connection goes,
 * the document carries on over the next one.
 */
import { after, afterEach, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { WebSocket } from 'ws'
import type { WebSocketConstructor } from '../../src/index.js'
import { createClient, type DocumentClient } from '../../src/yjs/index.js'
import { connectionCount } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { BrowserHarness, chromiumSkipReason } from './harness.js'

const read = (tab: Page) => tab.evaluate(() => (window as any).sb.text() as string)
const type = (tab: Page, text: string) => tab.evaluate((t) => (window as any).sb.insert(t), text)
const holds = (tab: Page) =>
  tab.evaluate(() => (window as any).sb.client.holdsConnection as boolean)

describe('documents in tabs sharing a connection', { skip: chromiumSkipReason() }, () => {
  let harness: BrowserHarness
  let tabs: Page[] = []
  let node: DocumentClient | undefined

  before(async () => {
    harness = await BrowserHarness.start()
  })
  afterEach(async () => {
    for (const tab of tabs) await tab.close().catch(() => undefined)
    tabs = []
    node?.close()
  })
  after(() => harness?.stop())

  async function converge(doc: string, expected: (text: string) => boolean, what: string) {
    const nodeText = () => node!.doc(doc).doc.getText('t').toString()
    await waitFor(async () => {
      const texts = await Promise.all(tabs.map(read))
      return texts.every((t) => t === nodeText()) && expected(nodeText())
    }, what)
  }

  it('tabs and a Node client converge; leaving and leader changes keep the document', async () => {
    const doc = 'tabs:doc'
    node = createClient({
      url: harness.server.url,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    })
    const nodeDoc = node.doc(doc)
    await nodeDoc.whenSynced()
    for (const user of ['ann', 'bea', 'cy']) {
      tabs.push(await harness.open('docs', { doc, user }))
    }
    await waitFor(async () => {
      const synced = await Promise.all(
        tabs.map((t) => t.evaluate(() => (window as any).sb.synced())),
      )
      return synced.every(Boolean)
    }, 'three synced tabs')
    await waitFor(async () => (await connectionCount(harness.server.url)) === 2, 'two connections')

    for (const [i, tab] of tabs.entries()) await type(tab, `tab${i};`)
    nodeDoc.doc.getText('t').insert(0, 'node;')
    await converge(doc, (t) => t.length === 'node;'.length + 3 * 'tab0;'.length, 'all five')
    // Awareness of every tab reaches the Node client, over the one shared connection.
    await waitFor(() => {
      const users = [...nodeDoc.awareness.getStates().values()].map((s: any) => s.user)
      return ['ann', 'bea', 'cy'].every((u) => users.includes(u))
    }, 'three tab users at the Node client')

    // A tab that is not the leader leaves the document: the others keep it.
    const holders = await Promise.all(tabs.map(holds))
    const leader = tabs[holders.indexOf(true)]!
    const follower = tabs.find((tab) => tab !== leader)!
    const followerUser = await follower.evaluate(() => (window as any).sb.users()[0])
    await follower.evaluate(() => (window as any).sb.destroy())
    // The tab stays, with its client: it may be the one taking the connection over below.
    tabs = tabs.filter((tab) => tab !== follower)
    const idle = follower
    await waitFor(() => {
      const users = [...nodeDoc.awareness.getStates().values()].map((s: any) => s.user)
      return !users.includes(followerUser)
    }, 'the leaving tab gone from awareness')
    nodeDoc.doc.getText('t').insert(0, 'after-leave;')
    await converge(doc, (t) => t.startsWith('after-leave;'), 'an edit after a tab left')

    // The leader tab closes: another takes the connection over, and the document resyncs.
    await leader.close()
    tabs = tabs.filter((tab) => tab !== leader)
    await waitFor(async () => (await holds(tabs[0]!)) || (await holds(idle)), 'a new leader')
    await type(tabs[0]!, 'new-leader;')
    nodeDoc.doc.getText('t').insert(0, 'node-again;')
    await converge(
      doc,
      (t) => t.includes('new-leader;') && t.startsWith('node-again;'),
      'edits after the takeover',
    )
    await waitFor(async () => (await connectionCount(harness.server.url)) === 2, 'two again')
    await idle.close()
  })
})
