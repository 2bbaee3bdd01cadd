/**
 * Redis document relay: nodes sharing one Redis (standalone or Cluster) carry each document's
 * updates and awareness on one pub/sub channel per document (`RedisKeys.documentPubsub`), on
 * the node's existing connections: sharded (`SPUBLISH`/`SSUBSCRIBE`) on Redis 7 and in a
 * Cluster, so a document's traffic stays on the shard owning its slot.
 *
 * Pub/sub keeps the order in which Redis received a document's messages (its channel lives on
 * one shard). A node sends its messages of one document one after the other, each once the
 * previous one was answered: a Cluster client retries a command that met a moving or
 * connecting node later, which would let the next one overtake it. Pub/sub drops messages
 * for a node that is not connected, which the port allows: after a reconnection every
 * document held is reported `onMissed`, and a lost message in between shows as a clock gap.
 *
 * Message format (binary, so updates travel as the bytes they are):
 * `u` • node id (16 bytes) • clock (float64, big-endian) • update, or
 * `a` • node id (16 bytes) • awareness update.
 * The node id lets a node drop its own messages, which Redis also delivers to their sender.
 */
import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { DocumentRelay, DocumentRelayHandler } from '../../ports/documents.js'
import type { RedisConnections } from '../../redis/connect.js'
import { InOrder } from '../../redis/in-order.js'
import type { RedisKeys } from '../../redis/keys.js'
import { requireRedis, unavailable } from '../../redis/unavailable.js'

const UPDATE = 0x75 // 'u'
const AWARENESS = 0x61 // 'a'
const NODE_ID_BYTES = 16
const CLOCK_BYTES = 8
/** Delay before restoring the subscriptions is tried again after a failure, in ms. */
const RESTORE_RETRY_MS = 500

export class RedisDocumentRelay implements DocumentRelay {
  private readonly nodeId = randomBytes(NODE_ID_BYTES)
  private handler: DocumentRelayHandler | undefined
  private readonly documents = new Set<string>()
  /** A document's messages go one at a time. */
  private readonly inOrder = new InOrder()
  /** Whether the pub/sub connection was lost since the subscriptions were last restored. */
  private disconnected = false
  private closed = false
  private readonly messageEvent: 'smessageBuffer' | 'messageBuffer'
  private readonly onMessage = (pubsub: Buffer, message: Buffer) => this.receive(pubsub, message)
  private readonly onClose = () => {
    this.disconnected = true
  }
  private readonly onReady = () => {
    if (!this.disconnected || this.closed) return
    this.disconnected = false
    void this.restore()
  }

  constructor(
    private readonly redis: RedisConnections,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
  ) {
    this.messageEvent = redis.sharded ? 'smessageBuffer' : 'messageBuffer'
    redis.subscriber.on(this.messageEvent, this.onMessage)
    redis.subscriber.on('close', this.onClose)
    redis.subscriber.on('ready', this.onReady)
  }

  setHandler(handler: DocumentRelayHandler): void {
    this.handler = handler
  }

  async subscribe(document: string): Promise<void> {
    this.guard()
    this.documents.add(document)
    try {
      await this.pubsub('subscribe', document)
    } catch (error) {
      this.documents.delete(document)
      throw unavailable(error)
    }
  }

  async unsubscribe(document: string): Promise<void> {
    if (!this.documents.delete(document)) return
    if (this.redis.ready()) await this.pubsub('unsubscribe', document)
  }

  async publishUpdate(document: string, update: Uint8Array, clock: number): Promise<void> {
    const message = Buffer.allocUnsafe(1 + NODE_ID_BYTES + CLOCK_BYTES + update.length)
    message[0] = UPDATE
    this.nodeId.copy(message, 1)
    message.writeDoubleBE(clock, 1 + NODE_ID_BYTES)
    message.set(update, 1 + NODE_ID_BYTES + CLOCK_BYTES)
    await this.publish(document, message)
  }

  async publishAwareness(document: string, update: Uint8Array): Promise<void> {
    const message = Buffer.allocUnsafe(1 + NODE_ID_BYTES + update.length)
    message[0] = AWARENESS
    this.nodeId.copy(message, 1)
    message.set(update, 1 + NODE_ID_BYTES)
    await this.publish(document, message)
  }

  /** Stops receiving; the connections belong to the broker, which closes them. */
  async close(): Promise<void> {
    this.closed = true
    const subscriber = this.redis.subscriber
    subscriber.off(this.messageEvent, this.onMessage)
    subscriber.off('close', this.onClose)
    subscriber.off('ready', this.onReady)
    const documents = [...this.documents]
    this.documents.clear()
    if (!this.redis.ready()) return
    await Promise.allSettled(documents.map((document) => this.pubsub('unsubscribe', document)))
  }

  private publish(document: string, message: Buffer): Promise<void> {
    this.guard()
    return this.inOrder.run(document, () => this.send(document, message))
  }

  private async send(document: string, message: Buffer): Promise<void> {
    const command = this.redis.sharded ? 'spublish' : 'publish'
    try {
      await this.redis.commands[command](this.keys.documentPubsub(document), message)
    } catch (error) {
      throw unavailable(error)
    }
  }

  /**
   * After a reconnection: subscribe again to every document held, then have each reloaded,
   * since whatever was published meanwhile did not reach this node.
   */
  private async restore(): Promise<void> {
    const documents = [...this.documents]
    try {
      await Promise.all(documents.map((document) => this.pubsub('subscribe', document)))
    } catch (error) {
      this.logger.warn({ err: error }, 'restoring document subscriptions failed; retrying')
      setTimeout(() => {
        if (!this.closed) void this.restore()
      }, RESTORE_RETRY_MS).unref()
      return
    }
    for (const document of documents) {
      if (this.documents.has(document)) this.handler?.onMissed(document)
    }
  }

  private async pubsub(action: 'subscribe' | 'unsubscribe', document: string): Promise<void> {
    const name = this.keys.documentPubsub(document)
    const subscriber = this.redis.subscriber
    if (!this.redis.sharded) {
      await subscriber[action](name)
      return
    }
    await subscriber[action === 'subscribe' ? 'ssubscribe' : 'sunsubscribe'](name)
  }

  private receive(pubsub: Buffer, message: Buffer): void {
    const document = this.keys.documentOf(pubsub.toString())
    if (document === undefined || !this.documents.has(document)) return
    if (message.length < 1 + NODE_ID_BYTES) return
    if (this.nodeId.equals(message.subarray(1, 1 + NODE_ID_BYTES))) return

    const kind = message[0]
    if (kind === AWARENESS) {
      this.handler?.onAwareness(document, message.subarray(1 + NODE_ID_BYTES))
      return
    }
    const headerBytes = 1 + NODE_ID_BYTES + CLOCK_BYTES
    if (kind !== UPDATE || message.length < headerBytes) return
    const clock = message.readDoubleBE(1 + NODE_ID_BYTES)
    this.handler?.onUpdate(document, message.subarray(headerBytes), clock)
  }

  private guard(): void {
    requireRedis(this.redis)
  }
}
