/**
 * JSON Schema of the config file, checked on start so that a typo or a wrong type fails with
 * a message naming the field, instead of being silently ignored.
 */
const positiveInt = { type: 'integer', minimum: 1 }
const nonNegativeInt = { type: 'integer', minimum: 0 }
const durationMs = { type: 'integer', minimum: 1, maximum: 365 * 24 * 3600 * 1000 }

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
    documents: { enum: ['read-write', 'read-only', 'none'] },
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
    apiKeys: { type: 'array', items: { type: 'string', minLength: 16 } },
    auth: {
      type: 'object',
      additionalProperties: false,
      properties: {
        jwtSecret: { type: 'string', minLength: 32 },
        anonymous: { type: 'boolean' },
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
      },
    },
    documents: {
      type: 'object',
      additionalProperties: false,
      properties: {
        store: { enum: ['embedded', 'postgres'] },
        postgresUrl: { type: 'string', minLength: 1 },
        postgresSchema: { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$' },
        compactAfterUpdates: positiveInt,
        compactIdleMs: durationMs,
        unloadGraceMs: nonNegativeInt,
        maxUpdateBytes: { type: 'integer', minimum: 1024 },
        maxDocumentBytes: { type: 'integer', minimum: 1024 },
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
  },
} as const
