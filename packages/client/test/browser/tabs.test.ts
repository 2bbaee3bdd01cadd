/**
 * Three tabs of one origin in real headless Chromium share one connection (Web Locks leader
 * election plus BroadcastChannel): the server sees one, and when the tab holding it closes,
 * another takes over and the remaining tabs get every publication once, in order.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { connectionCount, historyData, publishHttp, subscriberCount } from '../helpers/server.js'
import { token } from '../../../server/test/helpers/tokens.js'
import { waitFor } from '../helpers/wait.js'
import { BrowserHarness, chromiumSkipReason } from './harness.js'

interface TabState {
  received: number[]
  resets: number
  holdsConnection: boolean
  state: string
  states: string[]
  subscribed: boolean
}

function tabState(page: Page): Promise<TabState> {
  return page.evaluate(() => {
    const { sb } = window as unknown as { sb: any }
    return {
      received: [...sb.received],
      resets: sb.resets.length,
      holdsConnection: sb.client.holdsConnection,
      state: sb.client.state,
      states: [...sb.states],
      subscribed: sb.channel.position !== undefined,
    }
  })
}

const numbers = (count: number) => Array.from({ length: count }, (_, i) => i + 1)

describe('shared connection across tabs in Chromium', { skip: chromiumSkipReason() }, () => {
  let harness: BrowserHarness
  let tabs: Page[] = []

  before(async () => {
    harness = await BrowserHarness.start({ channelDefaults: { historySize: 1_000 } })
  })
  afterEach(async () => {
    for (const tab of tabs) await tab.close().catch(() => undefined)
    tabs = []
  })
  after(() => harness?.stop())

  async function openTabs(channel: string): Promise<void> {
    for (let i = 0; i < 3; i++) tabs.push(await harness.open('tabs', { channel }))
    await waitFor(async () => {
      const states = await Promise.all(tabs.map(tabState))
      return states.every((s) => s.subscribed)
    }, 'three subscribed tabs')
  }

  it('three tabs subscribe over one server connection', async () => {
    const { url } = harness.server
    await openTabs('shared')
    await publishHttp(url, 'shared', 1)
    await publishHttp(url, 'shared', 2)
    for (const tab of tabs) {
      await waitFor(async () => (await tabState(tab)).received.length === 2, 'both in every tab')
    }

    const states = await Promise.all(tabs.map(tabState))
    for (const state of states) assert.deepEqual(state.received, [1, 2])
    assert.equal(states.filter((s) => s.holdsConnection).length, 1, 'one tab holds it')
    assert.equal(await connectionCount(url, 'websocket'), 1)
    assert.equal(await connectionCount(url, 'sse'), 0)
    assert.equal(await subscriberCount(url, 'shared'), 1)
  })

  it('closing the leader tab keeps the other two receiving, without loss or repeats', async () => {
    const { url } = harness.server
    await openTabs('takeover')
    const total = 300
    for (let n = 1; n <= total; n++) {
      if (n === 100) {
        const states = await Promise.all(tabs.map(tabState))
        const leader = tabs[states.findIndex((s) => s.holdsConnection)]!
        tabs = tabs.filter((tab) => tab !== leader)
        // Mid-stream, while publications keep coming.
        void leader.close()
      }
      await publishHttp(url, 'takeover', n)
    }

    for (const tab of tabs) {
      await waitFor(async () => (await tabState(tab)).received.length >= total, `${total}`)
    }
    // A round trip after the last publication, so that a repeat would have arrived by now.
    await publishHttp(url, 'takeover', total + 1)
    for (const tab of tabs) {
      await waitFor(async () => (await tabState(tab)).received.length > total, 'the last one')
    }
    const states = await Promise.all(tabs.map(tabState))
    for (const state of states) {
      assert.deepEqual(state.received, numbers(total + 1))
      assert.equal(state.resets, 0)
      assert.equal(state.state, 'connected')
    }
    assert.equal(states.filter((s) => s.holdsConnection).length, 1, 'a new leader')
    await waitFor(async () => (await connectionCount(url, 'websocket')) === 1, 'one connection')
    assert.equal(await subscriberCount(url, 'takeover'), 1)
  })

  it('a leader closing its client hands over: others never see closed, nothing is lost', async () => {
    const { url } = harness.server
    await openTabs('handover')
    const states = await Promise.all(tabs.map(tabState))
    const leader = tabs[states.findIndex((s) => s.holdsConnection)]!
    const others = tabs.filter((tab) => tab !== leader)
    const writer = others[0]!

    // Publishes in flight through the leader when it goes, then more during the handover.
    await writer.evaluate(() => (window as any).sb.publishRange(1, 50))
    await leader.evaluate(() => (window as any).sb.client.close())
    await writer.evaluate(() => (window as any).sb.publishRange(51, 100))
    const outcomes = await writer.evaluate(() => (window as any).sb.outcomes())
    assert.deepEqual(outcomes, numbers(100))
    assert.deepEqual(await historyData(url, 'handover'), numbers(100))

    for (const tab of others) {
      await waitFor(async () => (await tabState(tab)).received.length >= 100, '100 in a tab')
      const state = await tabState(tab)
      assert.deepEqual(state.received, numbers(100))
      assert.ok(!state.states.includes('closed'), `states ${state.states.join(', ')}`)
      assert.equal(state.state, 'connected')
    }
    const after = await Promise.all(others.map(tabState))
    assert.equal(after.filter((s) => s.holdsConnection).length, 1, 'a new leader')
    await waitFor(async () => (await connectionCount(url, 'websocket')) === 1, 'one connection')
  })

  it('connect() in any tab reopens a shared connection the server closed for good', async () => {
    const { url } = harness.server
    for (let i = 0; i < 2; i++)
      tabs.push(await harness.open('tabs', { channel: 'auth', badToken: '' }))
    // The refused token is retried once with a "fresh" one, refused again: closed for good.
    for (const tab of tabs) {
      await waitFor(async () => (await tabState(tab)).state === 'closed', 'closed')
    }
    const states = await Promise.all(tabs.map(tabState))
    const follower = tabs[states.findIndex((s) => !s.holdsConnection)]!

    const valid = await token('user-1')
    for (const tab of tabs) await tab.evaluate((t) => ((window as any).sb.token = t), valid)
    await follower.evaluate(() => (window as any).sb.client.connect())
    for (const tab of tabs) {
      await waitFor(async () => (await tabState(tab)).subscribed, 'subscribed after connect()')
    }
    await publishHttp(url, 'auth', 1)
    for (const tab of tabs) {
      await waitFor(async () => (await tabState(tab)).received.length === 1, 'a publication')
      assert.equal((await tabState(tab)).state, 'connected')
    }
    assert.equal(await connectionCount(url, 'websocket'), 1)
  })

  it('a tab that crashes loses its subscriptions on the shared connection', async () => {
    const { url } = harness.server
    const leader = await harness.open('tabs', { channel: 'kept' })
    tabs.push(leader)
    await waitFor(async () => (await tabState(leader)).holdsConnection, 'the first tab leads')
    const doomed = await harness.open('tabs', { channel: 'orphan' })
    tabs.push(doomed)
    await waitFor(async () => (await tabState(doomed)).subscribed, 'the second tab subscribed')
    assert.equal(await subscriberCount(url, 'orphan'), 1)

    // A renderer crash: no pagehide, no goodbye; only the browser knows the tab is gone.
    let crashed = false
    doomed.on('crash', () => (crashed = true))
    const cdp = await harness.context.newCDPSession(doomed)
    // The command has no answer: its renderer is gone.
    void cdp.send('Page.crash').catch(() => undefined)
    await waitFor(() => doomed.isClosed() || crashed, 'the crash')
    tabs = [leader]
    await waitFor(async () => (await subscriberCount(url, 'orphan')) === 0, 'the unsubscribe')

    await publishHttp(url, 'kept', 1)
    await waitFor(async () => (await tabState(leader)).received.length === 1, 'the leader still')
    assert.equal(await connectionCount(url, 'websocket'), 1)
  })
})
