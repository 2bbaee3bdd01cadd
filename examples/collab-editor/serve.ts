/**
 * Runs the collaborative editor example: Switchboard on port 8080 (documents kept in
 * ./data/collab-editor) and the editor page on http://127.0.0.1:3000. Open it in two windows.
 *
 *   npm run example:collab
 */
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { Switchboard, resolveOptions } from '@switchboard/server'
import { build } from 'esbuild'

const SWITCHBOARD_PORT = Number(process.env.SWITCHBOARD_PORT ?? 8080)
const PAGE_PORT = Number(process.env.PAGE_PORT ?? 3000)

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Switchboard collaborative editor</title>
<style>
  body { font: 15px system-ui, sans-serif; margin: 2rem auto; max-width: 48rem; }
  textarea { width: 100%; height: 24rem; font: 15px/1.5 ui-monospace, monospace; }
  #people { list-style: none; padding: 0; display: flex; gap: 1rem; }
</style></head>
<body>
  <h1>Collaborative editor</h1>
  <p id="status">connecting...</p>
  <ul id="people"></ul>
  <textarea placeholder="Type here, and again in another window"></textarea>
  <script type="module" src="/editor.js"></script>
</body></html>`

const bundle = await build({
  entryPoints: [fileURLToPath(new URL('./editor.ts', import.meta.url))],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  logLevel: 'warning',
})
const script = bundle.outputFiles[0]!.text

const switchboard = await Switchboard.create(
  resolveOptions({
    host: '127.0.0.1',
    port: SWITCHBOARD_PORT,
    storage: 'sqlite',
    dataDir: './data/collab-editor',
    apiKeys: ['collab-editor-example-key'],
    auth: { anonymous: true },
    channelDefaults: { public: true },
  }),
)
await switchboard.listen()

const page = createServer((request, response) => {
  if (request.url?.startsWith('/editor.js')) {
    response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script)
    return
  }
  response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE)
})
page.listen(PAGE_PORT, '127.0.0.1', () => {
  console.log(`Switchboard on ws://127.0.0.1:${SWITCHBOARD_PORT}/docs`)
  console.log(`Editor on http://127.0.0.1:${PAGE_PORT}/?port=${SWITCHBOARD_PORT} (open it twice)`)
  console.log(
    `Read the document: curl -H "Authorization: Bearer collab-editor-example-key" ` +
      `http://127.0.0.1:${SWITCHBOARD_PORT}/v1/documents/notes%3Awelcome`,
  )
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    page.close()
    switchboard.stop().then(() => process.exit(0))
  })
}
