/**
 * The SSE fallback in real headless Chromium: the stream read through the browser's fetch,
 * publishes over POST, every publication once and in order. The page and the server share an
 * origin (the page server forwards `/sse` and `/client/request`), as the fallback needs.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { connectionCount, historyData, publishHttp } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { BrowserHarness, chromiumSkipReason } from './harness.js'

const numbers = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('the SSE fallback in Chromium', { skip: chromiumSkipReason() }, () => {
  let harness: BrowserHarness

  before(async () => {
    harness = await BrowserHarness.start({ channelDefaults: { historySize: 1_000 } })
  })
  after(() => harness?.stop())

  it('receives and publishes over SSE and HTTP POST', async () => {
    const { url } = harness.server
    const page = await harness.open('tabs', {
      server: harness.pagesUrl,
      channel: 'stream',
      transports: 'sse',
    })
    const read = () =>
      page.evaluate(() => {
        const { sb } = window as unknown as { sb: any }
        return {
          received: [...sb.received] as number[],
          transport: sb.client.transport as string,
          subscribed: sb.channel.position !== undefined,
        }
      })
    await waitFor(async () => (await read()).subscribed, 'subscribed')
    assert.equal((await read()).transport, 'sse')

    for (let n = 1; n <= 100; n++) await publishHttp(url, 'stream', n)
    await page.evaluate(() => (window as any).sb.publishRange(101, 150))
    const outcomes = await page.evaluate(() => (window as any).sb.outcomes())
    assert.deepEqual(outcomes, numbers(101, 150))

    await waitFor(async () => (await read()).received.length >= 150, '150 publications')
    assert.deepEqual((await read()).received, numbers(1, 150))
    assert.deepEqual(await historyData(url, 'stream'), numbers(1, 150))
    assert.equal(await connectionCount(url, 'sse'), 1)
    assert.equal(await connectionCount(url, 'websocket'), 0)
    await page.close()
  })
})
