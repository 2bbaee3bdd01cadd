#!/usr/bin/env node
/**
 * The `switchboard` command: `switchboard serve [--port N] [--config FILE] [--data-dir DIR]
 * [--memory] [--host H] [--log-level L]`.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { hashApiKey } from './auth/api-keys.js'
import {
  ConfigError,
  loadOptions,
  overridesFromEnv,
  parsePort,
  type Overrides,
} from './config/load.js'
import { Switchboard } from './server.js'

const USAGE = `Usage: switchboard serve [options]
       switchboard hash-key [KEY]   print the apiKeys entry of KEY (a new random key if none)

Options:
  --port N          port to listen on (env SWITCHBOARD_PORT; default 8080)
  --host H          address to bind (env SWITCHBOARD_HOST; default 0.0.0.0, 127.0.0.1 in dev mode)
  --config FILE     JSON config file (see docs/configuration.md)
  --data-dir DIR    directory of the embedded database (env SWITCHBOARD_DATA_DIR; default ./data)
  --memory          keep everything in memory; history is lost on restart
  --log-level L     fatal, error, warn, info, debug, trace or silent (default warn)
  --tls-cert FILE   PEM certificate: serve https:// and wss:// (env SWITCHBOARD_TLS_CERT)
  --tls-key FILE    PEM private key of --tls-cert (env SWITCHBOARD_TLS_KEY)
  -h, --help        show this help

Environment: SWITCHBOARD_API_KEY adds an HTTP API key; SWITCHBOARD_REDIS_URL selects the
Redis broker (see docs/scaling.md).
Without --config and without an API key the server starts in dev mode.
`

async function main(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        memory: { type: 'boolean' },
        'log-level': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help === true) {
    process.stdout.write(USAGE)
    return 0
  }
  if (positionals[0] === 'hash-key' && positionals.length <= 2) {
    process.stdout.write(apiKeyEntry(positionals[1]))
    return 0
  }
  if (positionals.length !== 1 || positionals[0] !== 'serve') {
    process.stderr.write(USAGE)
    return 2
  }

  let server: Switchboard
  let port: number
  try {
    const overrides: Overrides = { ...overridesFromEnv(process.env) }
    if (values.port !== undefined) overrides.port = parsePort(values.port, '--port')
    if (values.host !== undefined) overrides.host = values.host
    if (values.config !== undefined) overrides.configFile = values.config
    if (values['data-dir'] !== undefined) overrides.dataDir = values['data-dir']
    if (values.memory === true) overrides.memory = true
    if (values['log-level'] !== undefined) overrides.logLevel = values['log-level']
    if (values['tls-cert'] !== undefined) overrides.tlsCertFile = values['tls-cert']
    if (values['tls-key'] !== undefined) overrides.tlsKeyFile = values['tls-key']

    server = await Switchboard.create(loadOptions(overrides))
    port = await server.listen()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`switchboard: ${error.message}\n`)
      return 2
    }
    process.stderr.write(`switchboard: cannot start: ${(error as Error).message}\n`)
    return 1
  }

  printBanner(server, port)
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      server.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          server.logger.error({ err: error }, 'shutdown failed')
          process.exit(1)
        },
      )
    })
  }
  return -1
}

/** A key (given or new) and the config entry that accepts it without holding it. */
function apiKeyEntry(given: string | undefined): string {
  const key = given ?? `sb_${randomBytes(24).toString('base64url')}`
  const entry = { name: 'my-key', sha256: hashApiKey(key), scopes: ['publish'] }
  const lines = [
    ...(given === undefined ? [`key (keep it secret; shown once): ${key}`] : []),
    'apiKeys entry for the config file:',
    `  ${JSON.stringify(entry)}`,
  ]
  return `${lines.join('\n')}\n`
}

function printBanner(server: Switchboard, port: number): void {
  const { options } = server
  const host = options.host === '0.0.0.0' ? 'localhost' : options.host
  const scheme = server.secure ? 'https' : 'http'
  const base = `${scheme}://${host}:${port}`
  const wsScheme = server.secure ? 'wss' : 'ws'
  let where = `storage: ${options.storage}`
  if (options.storage === 'sqlite') where += `, ${options.dataDir}`
  if (options.broker.type === 'redis') where += ', broker: redis'
  const lines = [
    `Switchboard listening on ${base} (${where})`,
    `  WebSocket: ${wsScheme}://${host}:${port}/ws    SSE: ${base}/sse?channel=NAME`,
  ]
  if (options.devMode) {
    const key = options.apiKeys[0]
    lines.push(
      '',
      'Dev mode: bound to loopback, anonymous clients allowed on the default namespace.',
      `API key: ${key}`,
      'Publish with:',
      `  curl -H "Authorization: Bearer ${key}" -d '{"channel":"prices","event":"priceUpdate","data":{"AAPL":231.4}}' ${base}/v1/publish`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n`)
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (error: unknown) => {
    process.stderr.write(`switchboard: ${(error as Error).stack ?? String(error)}\n`)
    process.exit(1)
  },
)
