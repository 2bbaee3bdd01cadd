/**
 * The port a peer server listens on: `--port <n>` on the command line, else `PORT` from the
 * environment. Peers bind 127.0.0.1 only: the benchmark never leaves loopback.
 */
export const PEER_HOST = '127.0.0.1'

export function listenPort(argv: readonly string[] = process.argv.slice(2)): number {
  const flagAt = argv.indexOf('--port')
  const raw = flagAt === -1 ? process.env['PORT'] : argv[flagAt + 1]
  const port = Number(raw)
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new Error(`peer needs --port <1-65535> or PORT, got ${raw ?? 'nothing'}`)
  }
  return port
}
