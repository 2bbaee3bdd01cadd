/**
 * Wake-ups in real headless Chromium: when the browser comes back online, a disconnected
 * client reconnects at once instead of waiting out its backoff delay.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { NetworkProxy } from '../helpers/proxy.js'
import { publishHttp } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { BrowserHarness, chromiumSkipReason } from './harness.js'

describe('wake-ups in Chromium', { skip: chromiumSkipReason() }, () => {
  let harness: BrowserHarness
  let proxy: NetworkProxy

  before(async () => {
    harness = await BrowserHarness.start()
    proxy = await NetworkProxy.start(harness.server.port)
  })
  after(async () => {
    await proxy?.stop()
    await harness?.stop()
  })

  it('reconnects as soon as the browser is back online', async () => {
    const page = await harness.open('tabs', { server: proxy.url, channel: 'wake', slowRetry: '' })
    const read = () =>
      page.evaluate(() => {
        const { sb } = window as unknown as { sb: any }
        return { state: sb.client.state as string, retries: [...sb.retries] as number[] }
      })
    await waitFor(async () => (await read()).state === 'connected', 'connected')

    await harness.context.setOffline(true)
    proxy.down()
    await waitFor(async () => (await read()).state === 'disconnected', 'disconnected')
    const { retries } = await read()
    assert.ok(retries[0]! > 15_000, `the next attempt was ${retries[0]} ms away`)

    proxy.restore()
    const backOnlineAt = Date.now()
    await harness.context.setOffline(false)
    await waitFor(async () => (await read()).state === 'connected', 'reconnected', 5_000)
    const tookMs = Date.now() - backOnlineAt
    assert.ok(tookMs < 5_000, `reconnected ${tookMs} ms after coming online`)

    await publishHttp(harness.server.url, 'wake', 1)
    await waitFor(
      () => page.evaluate(() => (window as any).sb.received.length === 1),
      'a publication after the reconnect',
    )
    await page.close()
  })
})
