/**
 * Two pages of real headless Chromium, each a small textarea editor bound to one document over
 * y-websocket, see each other's typing.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { build } from 'esbuild'
import type { Page } from 'playwright-core'
import { chromiumSkipReason, launchChromium, type Browser } from '../helpers/chromium.js'
import { startServer, type TestServer } from '../helpers/server.js'

const PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><title>editor</title></head>' +
  '<body><textarea id="editor"></textarea><script type="module" src="/editor.js"></script>' +
  '</body></html>'

describe('textarea editors in Chromium', { skip: chromiumSkipReason() }, () => {
  let server: TestServer
  let pages: Server
  let pagesUrl: string
  let browser: Browser

  before(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./pages/editor.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    })
    const script = bundle.outputFiles[0]!.text
    pages = createServer((request, response) => {
      if (request.url?.startsWith('/editor.js')) {
        response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script)
      } else {
        response.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE)
      }
    })
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve))
    pagesUrl = `http://127.0.0.1:${(pages.address() as { port: number }).port}`
    server = await startServer()
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
    pages?.closeAllConnections()
    await new Promise((resolve) => pages?.close(resolve))
  })

  async function openEditor(doc: string): Promise<Page> {
    const page = await browser.context.newPage()
    const query = new URLSearchParams({ server: `ws://127.0.0.1:${server.port}/docs`, doc })
    await page.goto(`${pagesUrl}/editor.html?${query}`)
    await page.waitForFunction(() => (window as any).editor?.provider.synced === true)
    return page
  }

  const value = (page: Page) => page.inputValue('#editor')

  it('two pages see each other typing', async () => {
    const alice = await openEditor('browser:pad')
    const bob = await openEditor('browser:pad')

    await alice.locator('#editor').pressSequentially('Hello from Alice.', { delay: 5 })
    await bob.waitForFunction(() =>
      (document.querySelector('#editor') as HTMLTextAreaElement).value.includes('Alice.'),
    )

    await bob.locator('#editor').focus()
    await bob.keyboard.press('End')
    await bob.locator('#editor').pressSequentially(' Hi, Bob here.', { delay: 5 })
    await alice.waitForFunction(() =>
      (document.querySelector('#editor') as HTMLTextAreaElement).value.endsWith('here.'),
    )

    assert.equal(await value(alice), 'Hello from Alice. Hi, Bob here.')
    assert.equal(await value(bob), 'Hello from Alice. Hi, Bob here.')
  })
})
