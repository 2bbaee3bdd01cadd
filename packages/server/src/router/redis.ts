/**
 * Redis router: each node subscribes to a pub/sub channel of its own and to one shared by all
 * nodes, on the node's pub/sub connection (sharded on Redis 7 and in a Cluster). Operations
 * travel as JSON. Pub/sub keeps a publisher's messages in order and drops them for nodes that
 * are disconnected, which is what the port promises.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { NodeOperation, NodeRouter } from '../ports/router.js'
import type { RedisConnections } from '../redis/connect.js'
import type { RedisKeys } from '../redis/keys.js'

/** The id every node listens to for broadcasts. */
const ALL_NODES = '*'

export class RedisRouter implements NodeRouter {
  readonly nodeId = randomUUID()
  private handler: ((operation: NodeOperation) => void) | undefined
  private readonly own: string
  private readonly all: string
  private readonly listener = (pubsub: string, message: string) => this.receive(pubsub, message)

  private constructor(
    private readonly redis: RedisConnections,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
  ) {
    this.own = keys.node(this.nodeId)
    this.all = keys.node(ALL_NODES)
  }

  /** Subscribes the node's channels; resolves once operations can reach it. */
  static async open(
    redis: RedisConnections,
    keys: RedisKeys,
    logger: Logger,
  ): Promise<RedisRouter> {
    const router = new RedisRouter(redis, keys, logger)
    redis.subscriber.on(redis.sharded ? 'smessage' : 'message', router.listener)
    await router.subscribe('subscribe')
    // The broker restores its own subscriptions after a reconnection; these are restored here.
    redis.subscriber.on('ready', () => {
      router.subscribe('subscribe').catch((error: unknown) => {
        logger.warn({ err: error }, 'restoring the node channels failed')
      })
    })
    return router
  }

  setHandler(handler: (operation: NodeOperation) => void): void {
    this.handler = handler
  }

  async send(nodeId: string, operation: NodeOperation): Promise<void> {
    await this.publish(this.keys.node(nodeId), operation)
  }

  async broadcast(operation: NodeOperation): Promise<void> {
    await this.publish(this.all, operation)
  }

  async close(): Promise<void> {
    this.redis.subscriber.off(this.redis.sharded ? 'smessage' : 'message', this.listener)
    if (this.redis.ready()) await this.subscribe('unsubscribe')
  }

  private async publish(pubsub: string, operation: NodeOperation): Promise<void> {
    const command = this.redis.sharded ? 'spublish' : 'publish'
    await this.redis.commands[command](pubsub, JSON.stringify(operation))
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

  private receive(pubsub: string, message: string): void {
    if (pubsub !== this.own && pubsub !== this.all) return
    try {
      this.handler?.(JSON.parse(message) as NodeOperation)
    } catch (error) {
      this.logger.warn({ err: error }, 'node operation handler failed')
    }
  }
}
