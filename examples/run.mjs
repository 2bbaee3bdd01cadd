/**
 * Runs an example with one command: `npm run example -- chat` (or `multiplayer`). Starts
 * Switchboard in dev mode inside the example's directory, so it picks up the example's
 * `functions/` or `rooms/`, and serves the example's page on a second port.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const name = process.argv[2]
const examples = dirname(fileURLToPath(import.meta.url))
if (!['chat', 'multiplayer'].includes(name)) {
  process.stderr.write('usage: npm run example -- chat|multiplayer\n')
  process.exit(2)
}

const serverPort = Number(process.env.SWITCHBOARD_PORT ?? 8080)
const pagePort = serverPort + 1
const cli = join(examples, '..', 'packages', 'server', 'dist', 'cli.js')
const server = spawn(process.execPath, [cli, 'serve', '--memory', '--port', String(serverPort)], {
  cwd: join(examples, name),
  stdio: 'inherit',
})

const page = createServer(async (request, response) => {
  const html = await readFile(join(examples, name, 'index.html'), 'utf8')
  response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
  response.end(html.replaceAll('__SWITCHBOARD__', `ws://localhost:${serverPort}`))
})
page.listen(pagePort, '127.0.0.1', () => {
  process.stdout.write(`\nOpen http://localhost:${pagePort} in two browser windows.\n\n`)
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    page.close()
    server.kill(signal)
  })
}
server.on('exit', (code) => process.exit(code ?? 0))
