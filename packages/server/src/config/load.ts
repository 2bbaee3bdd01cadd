/**
 * Builds the server options from, in increasing precedence: defaults, the config file,
 * environment variables and command-line flags. Invalid input fails with a `ConfigError`
 * naming the field at fault.
 */
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import { DEFAULT_OPTIONS, type ServerOptions } from './defaults.js'
import { configSchema } from './schema.js'

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** What the command line and environment may set on top of the config file. */
export interface Overrides {
  configFile?: string
  port?: number
  host?: string
  dataDir?: string
  memory?: boolean
  apiKey?: string
  logLevel?: string
}

/** Reads `SWITCHBOARD_*` environment variables into overrides. */
export function overridesFromEnv(env: NodeJS.ProcessEnv): Overrides {
  const overrides: Overrides = {}
  if (env.SWITCHBOARD_PORT !== undefined)
    overrides.port = parsePort(env.SWITCHBOARD_PORT, 'SWITCHBOARD_PORT')
  if (env.SWITCHBOARD_HOST) overrides.host = env.SWITCHBOARD_HOST
  if (env.SWITCHBOARD_API_KEY) overrides.apiKey = env.SWITCHBOARD_API_KEY
  if (env.SWITCHBOARD_DATA_DIR) overrides.dataDir = env.SWITCHBOARD_DATA_DIR
  if (env.SWITCHBOARD_LOG_LEVEL) overrides.logLevel = env.SWITCHBOARD_LOG_LEVEL
  return overrides
}

export function parsePort(text: string, field: string): number {
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new ConfigError(`${field} must be a port number 0-65535, got "${text}"`)
  }
  return port
}

/** Validates a parsed config object and merges it over the defaults. */
export function resolveOptions(config: unknown, overrides: Overrides = {}): ServerOptions {
  const ajv = new Ajv({ allErrors: true, strict: true })
  const validate = ajv.compile(configSchema)
  if (!validate(config)) {
    const problems = (validate.errors ?? []).map((error) => {
      const field =
        error.instancePath === '' ? '(root)' : error.instancePath.slice(1).replaceAll('/', '.')
      const extra =
        'additionalProperty' in error.params
          ? ` (unknown field "${error.params.additionalProperty}")`
          : ''
      const allowed =
        'allowedValues' in error.params ? `: ${JSON.stringify(error.params.allowedValues)}` : ''
      return `${field} ${error.message}${allowed}${extra}`
    })
    throw new ConfigError(`invalid config: ${problems.join('; ')}`)
  }

  const file = config as Partial<ServerOptions>
  const options: ServerOptions = {
    ...DEFAULT_OPTIONS,
    ...file,
    auth: { ...DEFAULT_OPTIONS.auth, ...file.auth },
    channelDefaults: { ...DEFAULT_OPTIONS.channelDefaults, ...file.channelDefaults },
    limits: { ...DEFAULT_OPTIONS.limits, ...file.limits },
    documents: { ...DEFAULT_OPTIONS.documents, ...file.documents },
    heartbeat: { ...DEFAULT_OPTIONS.heartbeat, ...file.heartbeat },
    sse: { ...DEFAULT_OPTIONS.sse, ...file.sse },
    shutdown: { ...DEFAULT_OPTIONS.shutdown, ...file.shutdown },
    namespaces: { ...file.namespaces },
    apiKeys: [...(file.apiKeys ?? [])],
  }

  if (overrides.port !== undefined) options.port = overrides.port
  if (overrides.host !== undefined) options.host = overrides.host
  if (overrides.dataDir !== undefined) options.dataDir = overrides.dataDir
  if (overrides.memory) options.storage = 'memory'
  if (overrides.apiKey !== undefined) options.apiKeys.push(overrides.apiKey)
  if (overrides.logLevel !== undefined) options.logLevel = overrides.logLevel

  checkConsistency(options)
  return options
}

/**
 * Dev mode: started with no config file and no API key. Binds loopback only, lets anonymous
 * clients use the default namespace, and has the caller generate an API key.
 */
export function applyDevMode(options: ServerOptions, hostOverridden: boolean): void {
  options.devMode = true
  if (!hostOverridden) options.host = '127.0.0.1'
  options.auth.anonymous = true
  options.channelDefaults = { ...options.channelDefaults, public: true, presence: true }
}

export function loadOptions(overrides: Overrides): ServerOptions {
  let config: unknown = {}
  if (overrides.configFile !== undefined) {
    let text: string
    try {
      text = readFileSync(overrides.configFile, 'utf8')
    } catch (error) {
      throw new ConfigError(
        `cannot read config file ${overrides.configFile}: ${(error as Error).message}`,
      )
    }
    try {
      config = JSON.parse(text)
    } catch (error) {
      throw new ConfigError(
        `config file ${overrides.configFile} is not valid JSON: ${(error as Error).message}`,
      )
    }
  }

  const options = resolveOptions(config, overrides)
  if (overrides.configFile === undefined && options.apiKeys.length === 0) {
    applyDevMode(options, overrides.host !== undefined)
  }
  return options
}

function checkConsistency(options: ServerOptions): void {
  const limits = options.limits
  if (limits.maxMessageBytes > limits.maxHttpBodyBytes) {
    throw new ConfigError(
      `limits.maxMessageBytes (${limits.maxMessageBytes}) must not exceed limits.maxHttpBodyBytes (${limits.maxHttpBodyBytes})`,
    )
  }
  const documents = options.documents
  if (documents.maxUpdateBytes > documents.maxDocumentBytes) {
    throw new ConfigError(
      `documents.maxUpdateBytes (${documents.maxUpdateBytes}) must not exceed documents.maxDocumentBytes (${documents.maxDocumentBytes})`,
    )
  }
  if (documents.store === 'postgres' && documents.postgresUrl === undefined) {
    throw new ConfigError('documents.store is "postgres" but documents.postgresUrl is not set')
  }
  for (const [namespace, ns] of Object.entries(options.namespaces)) {
    if (ns.presence === true && options.auth.jwtSecret === undefined && !options.auth.anonymous) {
      throw new ConfigError(
        `namespaces.${namespace || '""'}.presence is on but no client can connect: set auth.jwtSecret or auth.anonymous`,
      )
    }
  }
}
