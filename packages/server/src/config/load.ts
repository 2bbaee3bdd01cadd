/**
 * Builds the server options from, in increasing precedence: defaults, the config file,
 * environment variables and command-line flags. Invalid input fails with a `ConfigError`
 * naming the field at fault.
 */
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import {
  DEFAULT_OPTIONS,
  DEFAULT_WEBHOOK,
  PUBLIC_KEY_ALGORITHMS,
  SECRET_ALGORITHMS,
  DEFAULT_REDIS_OPTIONS,
  type BrokerOptions,
  type ServerOptions,
} from './defaults.js'
import { configSchema } from './schema.js'
import { checkTransportSecurity } from './security.js'

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
  /** Selects the Redis broker at this URL (keeping the file's other Redis options). */
  redisUrl?: string
  tlsCertFile?: string
  tlsKeyFile?: string
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
  const redisUrl = env.SWITCHBOARD_REDIS_URL
  if (redisUrl) {
    if (!/^rediss?:\/\//.test(redisUrl)) {
      throw new ConfigError(
        `SWITCHBOARD_REDIS_URL must start with redis:// or rediss://, got "${redisUrl}"`,
      )
    }
    overrides.redisUrl = redisUrl
  }
  if (env.SWITCHBOARD_TLS_CERT) overrides.tlsCertFile = env.SWITCHBOARD_TLS_CERT
  if (env.SWITCHBOARD_TLS_KEY) overrides.tlsKeyFile = env.SWITCHBOARD_TLS_KEY
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
    auth: normaliseAuth({ ...DEFAULT_OPTIONS.auth, ...file.auth }),
    plans: { ...file.plans },
    functions: {
      ...DEFAULT_OPTIONS.functions,
      ...file.functions,
      routes: { ...file.functions?.routes },
    },
    rooms: { ...DEFAULT_OPTIONS.rooms, ...file.rooms },
    webhooks: (file.webhooks ?? []).map((webhook) => ({ ...DEFAULT_WEBHOOK, ...webhook })),
    channelDefaults: { ...DEFAULT_OPTIONS.channelDefaults, ...file.channelDefaults },
    limits: { ...DEFAULT_OPTIONS.limits, ...file.limits },
    documents: { ...DEFAULT_OPTIONS.documents, ...file.documents },
    heartbeat: { ...DEFAULT_OPTIONS.heartbeat, ...file.heartbeat },
    sse: { ...DEFAULT_OPTIONS.sse, ...file.sse },
    shutdown: { ...DEFAULT_OPTIONS.shutdown, ...file.shutdown },
    broker: resolveBroker(file.broker, overrides.redisUrl),
    namespaces: { ...file.namespaces },
    apiKeys: [...(file.apiKeys ?? [])],
    security: { ...DEFAULT_OPTIONS.security, ...file.security },
    tls: { ...file.tls },
  }

  if (overrides.port !== undefined) options.port = overrides.port
  if (overrides.host !== undefined) options.host = overrides.host
  if (overrides.dataDir !== undefined) options.dataDir = overrides.dataDir
  if (overrides.memory) options.storage = 'memory'
  if (overrides.apiKey !== undefined) options.apiKeys.push(overrides.apiKey)
  if (overrides.logLevel !== undefined) options.logLevel = overrides.logLevel
  if (overrides.tlsCertFile !== undefined)
    options.tls = { ...options.tls, certFile: overrides.tlsCertFile }
  if (overrides.tlsKeyFile !== undefined)
    options.tls = { ...options.tls, keyFile: overrides.tlsKeyFile }

  checkConsistency(options)
  return options
}

/** Merges the file's broker options over their defaults; a Redis URL override selects Redis. */
function resolveBroker(file: BrokerOptions | undefined, redisUrl: string | undefined) {
  if (redisUrl !== undefined) {
    const base = file?.type === 'redis' ? file : undefined
    if (base?.cluster !== undefined) {
      throw new ConfigError('SWITCHBOARD_REDIS_URL cannot be used with broker.cluster')
    }
    return { ...DEFAULT_REDIS_OPTIONS, ...base, type: 'redis' as const, url: redisUrl }
  }
  if (file === undefined || file.type === 'memory') {
    const extra = Object.keys(file ?? {}).filter((key) => key !== 'type')
    if (extra.length > 0) {
      throw new ConfigError(
        `broker.${extra[0]} applies only to broker.type "redis", but broker.type is "memory"`,
      )
    }
    return DEFAULT_OPTIONS.broker
  }
  if (file.url !== undefined && file.cluster !== undefined) {
    throw new ConfigError('broker.url and broker.cluster are exclusive: set one of them')
  }
  return { ...DEFAULT_REDIS_OPTIONS, ...file }
}

/**
 * Dev mode: started with no config file and no API key. Binds loopback only, lets anonymous
 * clients use the default namespace, and has the caller generate an API key.
 */
export function applyDevMode(options: ServerOptions, hostOverridden: boolean): void {
  options.devMode = true
  if (!hostOverridden) options.host = '127.0.0.1'
  options.auth.anonymous = true
  options.functions.watch = true
  options.rooms.watch = true
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

const DEFAULT_JWKS = { cacheMaxAgeMs: 10 * 60_000, cooldownMs: 30_000, timeoutMs: 5_000 }

/** Fills in the key set's defaults and turns `jwtSecret` into the first of `keys`. */
function normaliseAuth(auth: ServerOptions['auth']): ServerOptions['auth'] {
  const keys =
    auth.jwtSecret === undefined
      ? [...auth.keys]
      : [{ algorithms: ['HS256'], secret: auth.jwtSecret }, ...auth.keys]
  if (auth.jwks === undefined) return { ...auth, keys }
  return { ...auth, keys, jwks: { ...DEFAULT_JWKS, ...auth.jwks } }
}

function checkConsistency(options: ServerOptions): void {
  checkAuth(options)
  checkTransportSecurity(options)
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
  if (options.rooms.store === 'postgres' && options.rooms.postgresUrl === undefined) {
    throw new ConfigError('rooms.store is "postgres" but rooms.postgresUrl is not set')
  }
  const tokensAccepted = options.auth.keys.length > 0 || options.auth.jwks !== undefined
  for (const [namespace, ns] of Object.entries(options.namespaces)) {
    if (ns.presence === true && !tokensAccepted && !options.auth.anonymous) {
      throw new ConfigError(
        `namespaces.${namespace || '""'}.presence is on but no client can connect: set auth.jwtSecret, auth.keys, auth.jwks or auth.anonymous`,
      )
    }
  }
  const functions = options.functions
  if (Object.keys(functions.routes).length > 0 && functions.signingSecret === undefined) {
    throw new ConfigError('functions.routes needs functions.signingSecret to sign its calls')
  }
  if (options.defaultPlan !== undefined && !Object.hasOwn(options.plans, options.defaultPlan)) {
    throw new ConfigError(`defaultPlan "${options.defaultPlan}" is not one of plans`)
  }
}

/** Algorithms must suit the key they are listed on: no secret for RS256, no `none`. */
function checkAuth(options: ServerOptions): void {
  const auth = options.auth
  auth.keys.forEach((key, index) => {
    if ((key.secret === undefined) === (key.publicKey === undefined)) {
      throw new ConfigError(`auth.keys.${index} must have exactly one of secret and publicKey`)
    }
    const allowed: readonly string[] =
      key.secret === undefined ? PUBLIC_KEY_ALGORITHMS : SECRET_ALGORITHMS
    const wrong = key.algorithms.find((algorithm) => !allowed.includes(algorithm))
    if (wrong !== undefined) {
      throw new ConfigError(
        `auth.keys.${index}.algorithms: "${wrong}" cannot be used with a ${key.secret === undefined ? 'public key' : 'secret'}; allowed: ${allowed.join(', ')}`,
      )
    }
  })
  const wrongJwks = auth.jwks?.algorithms.find(
    (algorithm) => !(PUBLIC_KEY_ALGORITHMS as readonly string[]).includes(algorithm),
  )
  if (wrongJwks !== undefined) {
    throw new ConfigError(
      `auth.jwks.algorithms: "${wrongJwks}" is not allowed; allowed: ${PUBLIC_KEY_ALGORITHMS.join(', ')}`,
    )
  }
}
