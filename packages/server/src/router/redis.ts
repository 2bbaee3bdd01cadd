/**
 * Redis router: each node subscribes to a pub/sub channel of its own and to one shared by all
 * nodes, on the node's pub/sub connection (sharded on Redis 7 and in a Cluster). Messages,
 * requests and replies travel as JSON envelopes; a reply goes to the asking node's own channel.
 * Pub/sub keeps a publisher's messages in order and drops them for nodes that are
 * disconnected, which is what the port promises. `PUBLISH` and `SPUBLISH` answer how many
 * subscribers received a message, so a request knows at once how many replies to wait for.
 */
import { randomBytes } from 'node:crypto'
import { Cluster } from 'ioredis'
import type { Logger } from 'pino'
import type { NodeHandler, NodeMessage, NodeRouter } from '../ports/router.js'
import type { RedisConnections } from '../redis/connect.js'
import { InOrder } from '../redis/in-order.js'
import type { RedisKeys } from '../redis/keys.js'
import { PendingRequests, replyOf, type NodeReply } from './pending.js'
import { replyValues, singleReply } from './replies.js'

/** The id every node listens to for messages to all nodes. */
const ALL_NODES = '*'

type Envelope =
  | { kind: 'message'; from: string; message: NodeMessage }
  | { kind: 'request'; from: string; id: number; message: NodeMessage }
  | { kind: 'reply'; id: number; reply: NodeReply }

export class RedisRouter implements NodeRouter {
  readonly nodeId = randomBytes(9).toString('base64url')
  private handler: NodeHandler | undefined
  private readonly own: string
  private readonly all: string
  private readonly pending = new PendingRequests()
  /** In a Cluster, messages to one node go one at a time. */
  private readonly inOrder = new InOrder()
  private readonly listener = (pubsub: string, message: string) => this.receive(pubsub, message)
  private readonly restore = () => {
    this.subscribe('subscribe').catch((error: unknown) => {
      this.logger.warn({ err: error }, 'restoring the node channels failed')
    })
  }

  private constructor(
    private readonly redis: RedisConnections,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
  ) {
    this.own = keys.node(this.nodeId)
    this.all = keys.node(ALL_NODES)
  }

  /** Subscribes the node's channels; resolves once messages can reach it. */
  static async open(
    redis: RedisConnections,
    keys: RedisKeys,
    logger: Logger,
  ): Promise<RedisRouter> {
    const router = new RedisRouter(redis, keys, logger)
    redis.subscriber.on(redis.sharded ? 'smessage' : 'message', router.listener)
    await router.subscribe('subscribe')
    // The broker restores its own subscriptions after a reconnection; these are restored here.
    redis.subscriber.on('ready', router.restore)
    return router
  }

  setHandler(handler: NodeHandler): void {
    this.handler = handler
  }

  async send(nodeId: string, message: NodeMessage): Promise<boolean> {
    const envelope: Envelope = { kind: 'message', from: this.nodeId, message }
    const pubsub = this.keys.node(nodeId)
    if (!(this.redis.commands instanceof Cluster)) return this.sendNow(pubsub, envelope)
    return this.inOrder.run(nodeId, () => this.sendNow(pubsub, envelope))
  }

  async request(nodeId: string, message: NodeMessage, timeoutMs: number): Promise<unknown> {
    return singleReply(nodeId, await this.ask(this.keys.node(nodeId), message, timeoutMs))
  }

  /**
   * This node answers itself directly, so it counts even while Redis is unreachable; it
   * ignores its own request when pub/sub brings it back.
   */
  async requestAll(message: NodeMessage, timeoutMs: number): Promise<unknown[]> {
    const own = replyOf(() => this.handler?.(structuredClone(message), this.nodeId))
    const others = await this.ask(this.all, message, timeoutMs, 1)
    return replyValues([await own, ...others])
  }

  async close(): Promise<void> {
    this.redis.subscriber.off(this.redis.sharded ? 'smessage' : 'message', this.listener)
    this.redis.subscriber.off('ready', this.restore)
    this.pending.closeAll()
    if (this.redis.ready()) await this.subscribe('unsubscribe')
  }

  /** Publishes a request; resolves with the replies of the receivers, less `ownCopies`. */
  private async ask(pubsub: string, message: NodeMessage, timeoutMs: number, ownCopies = 0) {
    const { id, replies, expect } = this.pending.open(timeoutMs)
    try {
      const receivers = await this.publish(pubsub, {
        kind: 'request',
        from: this.nodeId,
        id,
        message,
      })
      expect(Math.max(0, receivers - ownCopies))
    } catch (error) {
      // Redis is unreachable: so is every node.
      this.logger.debug({ err: error }, 'node request not sent')
      expect(0)
    }
    return replies
  }

  private async sendNow(pubsub: string, envelope: Envelope): Promise<boolean> {
    try {
      await this.publish(pubsub, envelope)
      return true
    } catch (error) {
      this.logger.debug({ err: error }, 'node message not sent')
      return false
    }
  }

  /** Publishes an envelope; resolves with how many subscribers received it. */
  private async publish(pubsub: string, envelope: Envelope): Promise<number> {
    const command = this.redis.sharded ? 'spublish' : 'publish'
    return (await this.redis.commands[command](pubsub, JSON.stringify(envelope))) as number
  }

  private async subscribe(action: 'subscribe' | 'unsubscribe'): Promise<void> {
    const subscriber = this.redis.subscriber
    if (!this.redis.sharded) {
      await subscriber[action](this.own, this.all)
      return
    }
    const command = action === 'subscribe' ? 'ssubscribe' : 'sunsubscribe'
    await Promise.all([subscriber[command](this.own), subscriber[command](this.all)])
  }

  private receive(pubsub: string, text: string): void {
    if (pubsub !== this.own && pubsub !== this.all) return
    let envelope: Envelope
    try {
      envelope = JSON.parse(text) as Envelope
    } catch (error) {
      this.logger.warn({ err: error }, 'unreadable node message')
      return
    }
    if (envelope.kind === 'reply') {
      this.pending.reply(envelope.id, envelope.reply)
      return
    }
    const { from, message } = envelope
    if (envelope.kind === 'request' && from === this.nodeId && pubsub === this.all) return
    const outcome = replyOf(() => this.handler?.(message, from))
    if (envelope.kind === 'message') {
      void outcome.then((reply) => {
        if (!reply.ok)
          this.logger.warn({ type: message.type, error: reply.message }, 'node message failed')
      })
      return
    }
    const id = envelope.id
    void outcome
      .then((reply) => this.publish(this.keys.node(from), { kind: 'reply', id, reply }))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'node reply not sent'))
  }
}
