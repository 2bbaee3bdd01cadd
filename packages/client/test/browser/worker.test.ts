/** The SDK inside a dedicated Web Worker in real headless Chromium: it subscribes and publishes. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { publishHttp } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { BrowserHarness, chromiumSkipReason } from './harness.js'

describe('a client in a Web Worker', { skip: chromiumSkipReason() }, () => {
  let harness: BrowserHarness

  before(async () => {
    harness = await BrowserHarness.start()
  })
  after(() => harness?.stop())

  it('receives and publishes like a page does', async () => {
    const page = await harness.open('worker')
    const read = () =>
      page.evaluate(() => {
        const { sb } = window as unknown as { sb: any }
        return { received: [...sb.received], states: [...sb.states], acks: [...sb.acks] }
      })
    await waitFor(async () => (await read()).states.includes('connected'), 'connected')
    // The subscribe is sent right after connecting; a publication from then on reaches it.
    await waitFor(async () => {
      await publishHttp(harness.server.url, 'worker', 0, 'probe')
      return (await read()).received.length > 0
    }, 'the subscription')

    for (let n = 1; n <= 3; n++) await publishHttp(harness.server.url, 'worker', n)
    await page.evaluate(() => (window as any).sb.publish(4))
    await waitFor(async () => (await read()).received.length === 5, 'five publications')
    const { received, acks } = await read()
    assert.deepEqual(received, [0, 1, 2, 3, 4])
    assert.deepEqual(acks, [5])
    await page.close()
  })
})
