/**
 * Real headless Chromium for the SDK's browser tests: Debian's chromium driven by
 * playwright-core with a fresh profile, a Switchboard server on port 0, and a static server
 * on 127.0.0.1 (a secure context, so Web Locks exist) serving test pages and the pages'
 * bundles, built here with esbuild from the packages' build output.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { BrowserContext, Page } from 'playwright-core'
import { launchChromium, type Browser } from '../../../server/test/helpers/chromium.js'
import { startServer, type TestServer } from '../helpers/server.js'

export { chromiumSkipReason } from '../../../server/test/helpers/chromium.js'

const PAGES = fileURLToPath(new URL('./pages/', import.meta.url))

/** Page name to entry file; every page is `<name>.html` loading `<name>.js`. */
const ENTRIES = {
  tabs: join(PAGES, 'tabs.ts'),
  react: join(PAGES, 'react-app.ts'),
  worker: join(PAGES, 'worker.ts'),
  workerClient: join(PAGES, 'worker-client.ts'),
  docs: join(PAGES, 'docs.ts'),
}
export type PageName = keyof typeof ENTRIES

async function bundlePages(): Promise<Map<string, string>> {
  const result = await build({
    entryPoints: ENTRIES,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: '/bundles',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  })
  const files = new Map<string, string>()
  for (const file of result.outputFiles) files.set(file.path.replace('/bundles', ''), file.text)
  return files
}

function html(name: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title></head>` +
    `<body><div id="root"></div><script type="module" src="/${name}.js"></script></body></html>`
  )
}

/** Passes one HTTP request through to the Switchboard server, streaming both ways. */
function forward(incoming: IncomingMessage, outgoing: ServerResponse, port: number): void {
  const upstream = httpRequest(
    {
      host: '127.0.0.1',
      port,
      method: incoming.method,
      path: incoming.url,
      headers: incoming.headers,
    },
    (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers)
      response.pipe(outgoing)
    },
  )
  upstream.on('error', () => outgoing.destroy())
  outgoing.on('close', () => upstream.destroy())
  incoming.pipe(upstream)
}

export class BrowserHarness {
  private constructor(
    readonly server: TestServer,
    private readonly pages: Server,
    /** The pages' origin; it also forwards `/sse` and `/client/request` to the server. */
    readonly pagesUrl: string,
    private readonly browser: Browser,
  ) {}

  get context(): BrowserContext {
    return this.browser.context
  }

  static async start(serverConfig: Record<string, unknown> = {}): Promise<BrowserHarness> {
    const bundles = await bundlePages()
    let serverPort = 0
    const pages = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://pages').pathname
      // Same origin for the SSE fallback, which, unlike WebSocket, is subject to CORS.
      if (path === '/sse' || path === '/client/request') {
        forward(request, response, serverPort)
        return
      }
      const name = /^\/(\w+)\.html$/.exec(path)?.[1]
      const script = bundles.get(path)
      if (name !== undefined && name in ENTRIES) {
        response.writeHead(200, { 'Content-Type': 'text/html' }).end(html(name))
      } else if (script !== undefined) {
        response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script)
      } else {
        response.writeHead(404).end()
      }
    })
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve))
    const pagesUrl = `http://127.0.0.1:${(pages.address() as { port: number }).port}`

    const server = await startServer(serverConfig)
    serverPort = server.port
    try {
      return new BrowserHarness(server, pages, pagesUrl, await launchChromium())
    } catch (error) {
      await server.stop()
      pages.close()
      throw error
    }
  }

  /** Opens a tab on a test page, pointed at the test server; `query` adds parameters. */
  async open(name: PageName, query: Record<string, string> = {}): Promise<Page> {
    const page = await this.context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    const params = new URLSearchParams({ server: this.server.url, ...query })
    await page.goto(`${this.pagesUrl}/${name}.html?${params}`)
    await page.waitForFunction(() => (window as { sb?: unknown }).sb !== undefined)
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`)
    return page
  }

  async stop(): Promise<void> {
    await this.browser.close()
    await this.server.stop()
    this.pages.closeAllConnections()
    await new Promise((resolve) => this.pages.close(resolve))
  }
}
