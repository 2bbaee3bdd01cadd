/** Resolution of a channel's options from its namespace, and its payload schema. */
import { namespaceOf } from '@switchboard/protocol'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { ConfigError } from '../config/load.js'
import type { NamespaceOptions, ServerOptions } from '../config/defaults.js'

export class Namespaces {
  private readonly resolved = new Map<string, NamespaceOptions>()
  private readonly fallback: NamespaceOptions
  /** Compiled schemas by namespace; '' holds the default namespace's. */
  private readonly schemas = new Map<string, ValidateFunction>()
  private readonly fallbackSchema: ValidateFunction | undefined

  constructor(private readonly options: Pick<ServerOptions, 'namespaces' | 'channelDefaults'>) {
    this.fallback = { ...options.channelDefaults, ...ownEntry(options.namespaces, '') }

    // Schemas are compiled once, at start; a schema ajv cannot compile stops the server.
    const ajv = new Ajv({ allErrors: false, strict: false })
    this.fallbackSchema = compile(ajv, this.fallback.schema, 'channelDefaults.schema')
    for (const [namespace, configured] of Object.entries(options.namespaces)) {
      const schema = { ...options.channelDefaults, ...configured }.schema
      const validate = compile(ajv, schema, `namespaces.${namespace || '""'}.schema`)
      if (validate !== undefined) this.schemas.set(namespace, validate)
    }
  }

  /** Options of the channel's namespace; namespaces not configured use the default one. */
  forChannel(channel: string): NamespaceOptions {
    const namespace = namespaceOf(channel)
    const cached = this.resolved.get(namespace)
    if (cached !== undefined) return cached

    const configured = ownEntry(this.options.namespaces, namespace)
    if (configured === undefined) return this.fallback
    const options = { ...this.options.channelDefaults, ...configured }
    this.resolved.set(namespace, options)
    return options
  }

  /**
   * Why the data does not match the channel's schema, naming the failing path; undefined when
   * it matches or the namespace has no schema.
   */
  schemaProblem(channel: string, value: unknown): string | undefined {
    const namespace = namespaceOf(channel)
    const validate = Object.hasOwn(this.options.namespaces, namespace)
      ? this.schemas.get(namespace)
      : this.fallbackSchema
    if (validate === undefined) return undefined

    if (validate(value)) return undefined
    return describe(validate.errors?.[0], namespace)
  }
}

/** A namespace's own entry; never one inherited from `Object.prototype` (`__proto__`). */
function ownEntry<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}

function compile(
  ajv: Ajv,
  schema: Record<string, unknown> | undefined,
  field: string,
): ValidateFunction | undefined {
  if (schema === undefined) return undefined
  try {
    return ajv.compile(schema)
  } catch (error) {
    throw new ConfigError(`${field} is not a valid JSON Schema: ${(error as Error).message}`)
  }
}

function describe(error: ErrorObject | undefined, namespace: string): string {
  const path =
    error === undefined || error.instancePath === '' ? 'data' : `data${error.instancePath}`
  const message = error?.message ?? 'does not match'
  return `${path} ${message} (schema of namespace "${namespace}")`
}
