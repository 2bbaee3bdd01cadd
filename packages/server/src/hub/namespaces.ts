/** Resolution of a channel's options from its namespace. */
import { namespaceOf } from '@switchboard/protocol'
import type { NamespaceOptions, ServerOptions } from '../config/defaults.js'

export class Namespaces {
  private readonly resolved = new Map<string, NamespaceOptions>()
  private readonly fallback: NamespaceOptions

  constructor(private readonly options: Pick<ServerOptions, 'namespaces' | 'channelDefaults'>) {
    this.fallback = { ...options.channelDefaults, ...options.namespaces[''] }
  }

  /** Options of the channel's namespace; namespaces not configured use the default one. */
  forChannel(channel: string): NamespaceOptions {
    const namespace = namespaceOf(channel)
    const cached = this.resolved.get(namespace)
    if (cached !== undefined) return cached

    const configured = this.options.namespaces[namespace]
    if (configured === undefined) return this.fallback
    const options = { ...this.options.channelDefaults, ...configured }
    this.resolved.set(namespace, options)
    return options
  }
}
