/**
 * JSON Schema of the config file, checked on start so that a typo or a wrong type fails with
 * a message naming the field, instead of being silently ignored.
 */
const positiveInt = { type: 'integer', minimum: 1 }
const nonNegativeInt = { type: 'integer', minimum: 0 }
const durationMs = { type: 'integer', minimum: 1, maximum: 365 * 24 * 3600 * 1000 }
/** Where documents or rooms are stored: the embedded storage or a PostgreSQL schema. */
const postgresStoreOptions = {
  store: { enum: ['embedded', 'postgres'] },
  postgresUrl: { type: 'string', minLength: 1 },
  postgresSchema: { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$' },
}

const namespaceOptions = {
  type: 'object',
  additionalProperties: false,
  properties: {
    historySize: { type: 'integer', minimum: 0, maximum: 1_000_000 },
    historyTtlMs: durationMs,
    presence: { type: 'boolean' },
    clientPublish: { type: 'boolean' },
    public: { type: 'boolean' },
    idempotencyWindowMs: durationMs,
    // Compiled with ajv at start; a schema ajv rejects fails start naming the namespace.
    schema: { type: 'object' },
    documents: { enum: ['read-write', 'read-only', 'none'] },
  },
}

const optionalDurationMs = { type: 'integer', minimum: 0, maximum: 365 * 24 * 3600 * 1000 }
const algorithmList = { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string' } }

const jwtKey = {
  type: 'object',
  additionalProperties: false,
  required: ['algorithms'],
  properties: {
    kid: { type: 'string', minLength: 1 },
    algorithms: algorithmList,
    secret: { type: 'string', minLength: 32 },
    publicKey: { type: 'string', minLength: 1 },
  },
}

const apiKey = {
  oneOf: [
    { type: 'string', minLength: 16 },
    {
      type: 'object',
      additionalProperties: false,
      required: ['sha256'],
      properties: {
        name: { type: 'string', minLength: 1 },
        sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        scopes: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { enum: ['publish', 'admin'] },
        },
      },
    },
  ],
}

const planOptions = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxConnectionsPerUser: nonNegativeInt,
    messagesPerSecond: positiveInt,
    messageBurst: positiveInt,
    bytesPerSecond: { type: 'integer', minimum: 256 },
    maxSubscriptions: positiveInt,
    history: { type: 'boolean' },
    idleTimeoutMs: optionalDurationMs,
  },
}

/** One schema for both broker types; `checkConsistency` refuses fields of the other type. */
const brokerOptions = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { enum: ['memory', 'redis'] },
    url: { type: 'string', pattern: '^rediss?://' },
    cluster: {
      type: 'object',
      additionalProperties: false,
      required: ['nodes'],
      properties: {
        nodes: {
          type: 'array',
          minItems: 1,
          items: { type: 'string', pattern: '^[^:\\s]+:[0-9]{1,5}$' },
        },
      },
    },
    keyPrefix: { type: 'string', maxLength: 64, pattern: '^[^{}]*$' },
    presenceTtlMs: { type: 'integer', minimum: 1_000, maximum: 24 * 3600 * 1000 },
    nodeRequestTimeoutMs: { type: 'integer', minimum: 10, maximum: 60_000 },
  },
}

// ---- Transport security and admission ----

const admissionLimitsSchema = {
  maxConnectionsPerIp: positiveInt,
  newConnectionsPerSecondPerIp: positiveInt,
  newConnectionsBurstPerIp: positiveInt,
  headersTimeoutMs: { type: 'integer', minimum: 100, maximum: 3_600_000 },
  requestTimeoutMs: { type: 'integer', minimum: 100, maximum: 3_600_000 },
}

const transportSecuritySchema = {
  tls: {
    type: 'object',
    additionalProperties: false,
    properties: {
      certFile: { type: 'string', minLength: 1 },
      keyFile: { type: 'string', minLength: 1 },
    },
  },
  security: {
    type: 'object',
    additionalProperties: false,
    properties: {
      allowedOrigins: { type: 'array', items: { type: 'string', minLength: 1 } },
      trustProxy: { type: 'boolean' },
    },
  },
}

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    dataDir: { type: 'string', minLength: 1 },
    storage: { enum: ['sqlite', 'memory'] },
    broker: brokerOptions,
    apiKeys: { type: 'array', items: apiKey },
    auth: {
      type: 'object',
      additionalProperties: false,
      properties: {
        jwtSecret: { type: 'string', minLength: 32 },
        keys: { type: 'array', items: jwtKey },
        jwks: {
          type: 'object',
          additionalProperties: false,
          required: ['url', 'algorithms'],
          properties: {
            url: { type: 'string', pattern: '^https?://' },
            algorithms: algorithmList,
            cacheMaxAgeMs: durationMs,
            cooldownMs: optionalDurationMs,
            timeoutMs: durationMs,
          },
        },
        issuer: { type: 'string', minLength: 1 },
        audience: { type: 'string', minLength: 1 },
        clockToleranceS: { type: 'integer', minimum: 0, maximum: 300 },
        anonymous: { type: 'boolean' },
        connectTimeoutMs: durationMs,
        failuresBeforeDelay: positiveInt,
        maxFailureDelayMs: optionalDurationMs,
      },
    },
    plans: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9_-]{1,64}$' },
      additionalProperties: planOptions,
    },
    defaultPlan: { type: 'string', minLength: 1 },
    webhooks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'secret'],
        properties: {
          url: { type: 'string', pattern: '^https?://' },
          secret: { type: 'string', minLength: 32 },
          events: {
            type: 'array',
            minItems: 1,
            uniqueItems: true,
            items: {
              enum: [
                'channel_occupied',
                'channel_vacated',
                'member_added',
                'member_removed',
                'publication',
              ],
            },
          },
          namespaces: { type: 'array', items: { type: 'string' } },
          sources: {
            type: 'array',
            minItems: 1,
            uniqueItems: true,
            items: { enum: ['client', 'server'] },
          },
          batchSize: { type: 'integer', minimum: 1, maximum: 1000 },
          batchWindowMs: nonNegativeInt,
          maxAttempts: { type: 'integer', minimum: 1, maximum: 100 },
          timeoutMs: durationMs,
          maxQueuedEvents: positiveInt,
        },
      },
    },
    rooms: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dir: { type: 'string', minLength: 1 },
        watch: { type: 'boolean' },
        idleEvictMs: durationMs,
        maxValueBytes: { type: 'integer', minimum: 1024, maximum: 16 * 1024 * 1024 },
        leaseTtlMs: { type: 'integer', minimum: 300, maximum: 600_000 },
        ...postgresStoreOptions,
      },
    },
    functions: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dir: { type: 'string', minLength: 1 },
        watch: { type: 'boolean' },
        routes: {
          type: 'object',
          propertyNames: { pattern: '^\\$?[A-Za-z0-9_.-]{1,64}$' },
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['url'],
            properties: {
              url: { type: 'string', pattern: '^https?://' },
              timeoutMs: durationMs,
            },
          },
        },
        signingSecret: { type: 'string', minLength: 32 },
        timeoutMs: durationMs,
      },
    },
    namespaces: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9_\\-.@/=+,!~]*$' },
      additionalProperties: namespaceOptions,
    },
    channelDefaults: namespaceOptions,
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxFrameBytes: { type: 'integer', minimum: 256 },
        maxMessageBytes: positiveInt,
        maxHttpBodyBytes: { type: 'integer', minimum: 256 },
        maxSubscriptionsPerConnection: positiveInt,
        maxChannelLength: { type: 'integer', minimum: 1, maximum: 4096 },
        maxSseChannels: positiveInt,
        maxQueueBytes: { type: 'integer', minimum: 1024 },
        maxHistoryLimit: positiveInt,
        maxBatchSize: positiveInt,
        maxJsonDepth: { type: 'integer', minimum: 4, maximum: 1000 },
        maxConnectionsPerUser: nonNegativeInt,
        messagesPerSecond: positiveInt,
        messageBurst: positiveInt,
        bytesPerSecond: { type: 'integer', minimum: 256 },
        idleTimeoutMs: optionalDurationMs,
        maxConnectionLifetimeMs: optionalDurationMs,
        apiRequestsPerSecond: positiveInt,
        apiRequestBurst: positiveInt,
        ...admissionLimitsSchema,
      },
    },
    documents: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...postgresStoreOptions,
        compactAfterUpdates: positiveInt,
        compactIdleMs: durationMs,
        unloadGraceMs: nonNegativeInt,
        maxUpdateBytes: { type: 'integer', minimum: 1024 },
        maxDocumentBytes: { type: 'integer', minimum: 1024 },
        maxPerConnection: positiveInt,
      },
    },
    heartbeat: {
      type: 'object',
      additionalProperties: false,
      properties: { intervalMs: { type: 'integer', minimum: 100 } },
    },
    sse: {
      type: 'object',
      additionalProperties: false,
      properties: { heartbeatMs: { type: 'integer', minimum: 100 }, retryMs: nonNegativeInt },
    },
    shutdown: {
      type: 'object',
      additionalProperties: false,
      properties: { reconnectJitterMs: nonNegativeInt, drainTimeoutMs: nonNegativeInt },
    },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    ...transportSecuritySchema,
  },
} as const
