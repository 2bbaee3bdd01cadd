/**
 * Names of everything Switchboard keeps in Redis. Every key and pub/sub channel of one
 * channel carries the hash tag `{channel}`, so in a Redis Cluster they all live in one slot
 * and the publish script can touch them atomically. Channel names cannot contain `{` or `}`
 * (see the protocol's name rules), and the key prefix may not either, so the tag is exact.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Hash of the channel's stream: `epoch` and `top` (the last offset assigned). */
  meta(channel: string): string {
    return `${this.prefix}{${channel}}:meta`
  }

  /** Stream of the channel's kept publications, with ids `<offset>-0`. */
  stream(channel: string): string {
    return `${this.prefix}{${channel}}:stream`
  }

  /** The record of one idempotency key: `<offset>:<epoch>:<expiresAtMs>`. */
  idempotency(channel: string, key: string): string {
    return `${this.prefix}{${channel}}:idem:${key}`
  }

  /** Presence of the channel: one key per part (see `presence/redis.ts`). */
  presence(channel: string, part: 'connections' | 'expiry' | 'members' | 'counts'): string {
    return `${this.prefix}{${channel}}:presence:${part}`
  }

  /** The pub/sub channel carrying the channel's publications and presence events. */
  pubsub(channel: string): string {
    return `${this.prefix}{${channel}}:pub`
  }

  /** The channel name of a pub/sub channel name, or undefined when it is not one of ours. */
  channelOf(pubsub: string): string | undefined {
    if (!pubsub.startsWith(`${this.prefix}{`) || !pubsub.endsWith('}:pub')) return undefined
    return pubsub.slice(this.prefix.length + 1, -'}:pub'.length)
  }

  /**
   * The pub/sub channel carrying a document's updates and awareness between nodes. Document
   * names follow the channel rules, so the same hash tag is exact.
   */
  documentPubsub(document: string): string {
    return `${this.prefix}{${document}}:doc`
  }

  /** The document name of a document pub/sub channel name, or undefined. */
  documentOf(pubsub: string): string | undefined {
    if (!pubsub.startsWith(`${this.prefix}{`) || !pubsub.endsWith('}:doc')) return undefined
    return pubsub.slice(this.prefix.length + 1, -'}:doc'.length)
  }

  /** The pub/sub channel of one node, for operations on the connections it holds. */
  node(nodeId: string): string {
    return `${this.prefix}{node:${nodeId}}:ops`
  }

  /**
   * A room's lease (`<node id>|<fence>`, with a TTL) or its fence counter. Room names
   * (`type/id`) cannot contain `{` or `}`, so the tag `{room:<name>}` is exact.
   */
  room(room: string, part: 'lease' | 'fence'): string {
    return `${this.prefix}{room:${room}}:${part}`
  }
}
