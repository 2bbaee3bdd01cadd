/**
 * A React page on @switchboard/react in real headless Chromium, under strict mode: it renders
 * the connection state, live messages once each, and presence as members come and go; a new
 * channel name moves the subscription, and unmounting the component ends it on the server.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { closeClients, nodeClient } from '../helpers/client.js'
import { publishHttp, subscriberCount } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { BrowserHarness, chromiumSkipReason } from './harness.js'

const texts = (page: Page, list: string) => page.locator(`#${list} li`).allTextContents()

describe('React hooks in Chromium', { skip: chromiumSkipReason() }, () => {
  let harness: BrowserHarness

  before(async () => {
    harness = await BrowserHarness.start({ channelDefaults: { presence: true } })
  })
  afterEach(closeClients)
  after(() => harness?.stop())

  it('renders live messages and presence, follows a new name, unsubscribes on unmount', async () => {
    const { url } = harness.server
    const page = await harness.open('react')
    await page.locator('#state', { hasText: 'connected' }).waitFor()
    await waitFor(async () => (await texts(page, 'members')).length === 1, 'the page present')
    const [self] = await texts(page, 'members')
    assert.match(self!, /^connection:/)

    for (const text of ['one', 'two', 'three']) await publishHttp(url, 'room', { text })
    await waitFor(async () => (await texts(page, 'messages')).length >= 3, 'three messages')

    // Another user joins from Node, then leaves.
    const other = nodeClient(url)
    const unsubscribe = other.channel('room').subscribe(() => undefined)
    await waitFor(async () => (await texts(page, 'members')).length === 2, 'a second member')
    unsubscribe()
    await waitFor(async () => (await texts(page, 'members')).length === 1, 'the member left')
    assert.deepEqual(await texts(page, 'members'), [self])
    // Strict mode mounted the room twice: each message must still show once.
    assert.deepEqual(await texts(page, 'messages'), ['one', 'two', 'three'])

    // A new channel name moves the subscription.
    assert.equal(await subscriberCount(url, 'room'), 1)
    await page.click('#switch')
    await waitFor(async () => (await subscriberCount(url, 'lobby')) === 1, 'the lobby')
    await waitFor(async () => (await subscriberCount(url, 'room')) === 0, 'leaving the room')
    await publishHttp(url, 'room', { text: 'not shown' })
    await publishHttp(url, 'lobby', { text: 'four' })
    await waitFor(async () => (await texts(page, 'messages')).length >= 4, 'the lobby message')
    assert.deepEqual(await texts(page, 'messages'), ['one', 'two', 'three', 'four'])

    await page.click('#toggle')
    await waitFor(async () => (await subscriberCount(url, 'lobby')) === 0, 'the unsubscribe')
    assert.equal(await page.locator('#members').count(), 0)
    await page.close()
  })
})
