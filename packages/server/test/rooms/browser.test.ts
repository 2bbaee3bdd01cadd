/**
 * The multiplayer example (examples/multiplayer) in two pages of real headless Chromium: its
 * page as `npm run example -- multiplayer` serves it, against a server running its rooms. A
 * pointer moved in one page shows as a cursor at the same spot in the other, a closed page's
 * cursor goes away, and a page whose socket closed joins the room again.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { chromiumSkipReason, launchChromium, type Browser } from '../helpers/chromium.js'
import { startServer, type TestServer } from '../helpers/server.js'

const example = fileURLToPath(new URL('../../../../examples/multiplayer/', import.meta.url))

interface Cursor {
  left: number
  top: number
  width: number
  height: number
}

/** The cursors a page draws, where they are on screen. */
function cursors(page: Page): Promise<Cursor[]> {
  return page.$$eval('.cursor', (dots) =>
    dots.map((dot) => {
      const { left, top, width, height } = dot.getBoundingClientRect()
      return { left, top, width, height }
    }),
  )
}

/** Polls the page's cursors until `expected` holds, failing with what the page last drew. */
async function waitForCursors(
  page: Page,
  expected: (drawn: Cursor[]) => boolean,
  message: string,
): Promise<Cursor[]> {
  const deadline = Date.now() + 10_000
  let drawn = await cursors(page)
  while (!expected(drawn)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${message}; the page draws ${JSON.stringify(drawn)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
    drawn = await cursors(page)
  }
  return drawn
}

/** One visible cursor within a pixel of (x, y). */
const oneCursorAt = (x: number, y: number) => (drawn: Cursor[]) =>
  drawn.length === 1 &&
  Math.abs(drawn[0]!.left - x) <= 1 &&
  Math.abs(drawn[0]!.top - y) <= 1 &&
  drawn[0]!.width > 0 &&
  drawn[0]!.height > 0

describe('multiplayer example in Chromium', { skip: chromiumSkipReason() }, () => {
  let server: TestServer
  let pages: Server
  let pageUrl: string
  let browser: Browser

  before(async () => {
    server = await startServer({ rooms: { dir: `${example}rooms` } })
    // As examples/run.mjs serves it, pointed at this server.
    const html = readFileSync(`${example}index.html`, 'utf8').replaceAll(
      '__SWITCHBOARD__',
      `ws://127.0.0.1:${server.port}`,
    )
    pages = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html)
    })
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve))
    pageUrl = `http://127.0.0.1:${(pages.address() as { port: number }).port}/`
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
    pages?.closeAllConnections()
    await new Promise((resolve) =>
      pages === undefined ? resolve(undefined) : pages.close(resolve),
    )
  })

  /** Opens the example's page and waits for the room's welcome. */
  async function openPage(): Promise<Page> {
    const page = await browser.context.newPage()
    await page.goto(pageUrl)
    await page.waitForFunction(() =>
      document.querySelector('#status')?.textContent?.startsWith('you are'),
    )
    return page
  }

  it('draws a pointer moved in one page at its spot in the other until it closes', async () => {
    const alice = await openPage()
    const bob = await openPage()

    await alice.bringToFront()
    await alice.mouse.move(200, 150)
    await waitForCursors(bob, oneCursorAt(200, 150), "Alice's cursor at (200, 150) in Bob's page")
    await alice.mouse.move(640, 400, { steps: 5 })
    await waitForCursors(bob, oneCursorAt(640, 400), "Alice's cursor following to (640, 400)")
    assert.deepEqual(await cursors(alice), [], 'a page does not draw its own pointer')

    await bob.bringToFront()
    await bob.mouse.move(900, 80)
    await waitForCursors(alice, oneCursorAt(900, 80), "Bob's cursor at (900, 80) in Alice's page")
    assert.match((await alice.textContent('#status')) ?? '', /^\d+ moves so far$/)

    await alice.close()
    await waitForCursors(bob, (drawn) => drawn.length === 0, "Alice's cursor gone from Bob's page")
    await bob.close()
  })

  it('joins the room again after the server restarts, as after a room moved', async () => {
    const page = await openPage()
    const port = server.port
    await server.stop()
    await page.waitForFunction(() =>
      document.querySelector('#status')?.textContent?.startsWith('reconnecting'),
    )
    server = await startServer({ port, rooms: { dir: `${example}rooms` } })
    await page.waitForFunction(
      () => document.querySelector('#status')?.textContent?.startsWith('you are'),
      undefined,
      { timeout: 15_000 },
    )
    await page.close()
  })
})
