/**
 * Two pages of real headless Chromium, each a small textarea editor bound to one document over
 * y-websocket, see each other's typing.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { build } from 'esbuild'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { startServer, type TestServer } from '../helpers/server.js'

const CHROMIUM = process.env.SWITCHBOARD_CHROMIUM ?? '/usr/bin/chromium'
const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]
const PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><title>editor</title></head>' +
  '<body><textarea id="editor"></textarea><script type="module" src="/editor.js"></script>' +
  '</body></html>'

function skipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} not found: CI=true, so this fails`)
  return `${CHROMIUM} not found: browser test skipped`
}

describe('textarea editors in Chromium', { skip: skipReason() }, () => {
  let server: TestServer
  let pages: Server
  let pagesUrl: string
  let context: BrowserContext
  let profile: string

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
    profile = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'))
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
    })
  })
  after(async () => {
    await context?.close().catch(() => undefined)
    await server?.stop()
    pages?.closeAllConnections()
    await new Promise((resolve) => pages?.close(resolve))
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
  })

  async function openEditor(doc: string): Promise<Page> {
    const page = await context.newPage()
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
