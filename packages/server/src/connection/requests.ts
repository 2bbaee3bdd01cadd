/**
 * Handling of client requests, whatever the transport: decode, dispatch to the hub, answer
 * `{id, ok: true, ...}` or `{id, error: {code, message}}`. Errors never escape: a bad request
 * gets its error reply and the connection keeps working.
 */
import {
  ErrorCode,
  decodeRequest,
  type BuiltinRequest,
  type CustomRequest,
  type ErrorBody,
  type RequestId,
} from '@switchboard/protocol'
import type { Logger } from 'pino'
import { SwitchboardError, errorBody } from '../errors.js'
import type { Hub } from '../hub/hub.js'
import type { Metrics } from '../metrics.js'
import type { Connection } from './connection.js'

/** Sends one reply object to the client. */
export type Reply = (reply: Record<string, unknown>) => void

export class RequestHandler {
  constructor(
    private readonly hub: Hub,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /** Handles one text frame from a client. */
  handleText(connection: Connection, text: string, reply: Reply): void {
    const decoded = decodeRequest(text)
    if (!decoded.ok) {
      this.replyError(reply, decoded.id, decoded.error)
      return
    }
    this.dispatchRequest(connection, decoded.request, reply)
  }

  /** Handles one validated request; the reply (or error reply) goes to `reply`. */
  dispatchRequest(
    connection: Connection,
    request: BuiltinRequest | CustomRequest,
    reply: Reply,
  ): void {
    this.dispatch(connection, request, reply).catch((error: unknown) => {
      if (!(error instanceof SwitchboardError)) {
        this.logger.error(
          { err: error, action: request.action, connection: connection.id },
          'request failed',
        )
      }
      this.replyError(reply, request.id, errorBody(error))
    })
  }

  replyError(reply: Reply, id: RequestId | undefined, error: ErrorBody): void {
    this.metrics.errors.inc({ code: error.code })
    reply(id === undefined ? { error } : { id, error })
  }

  private async dispatch(
    connection: Connection,
    request: BuiltinRequest | CustomRequest,
    reply: Reply,
  ): Promise<void> {
    const r = request as BuiltinRequest
    const ok = (result: object = {}) =>
      reply(r.id === undefined ? { ok: true, ...result } : { id: r.id, ok: true, ...result })

    switch (r.action) {
      case 'ping':
        ok()
        return
      case 'subscribe':
        await this.hub.subscribe(connection, r.channel, r.since, ok)
        return
      case 'unsubscribe':
        await this.hub.unsubscribe(connection, r.channel)
        ok()
        return
      case 'publish': {
        const started = performance.now()
        const result = await this.hub.publish(connection, {
          channel: r.channel,
          event: r.event,
          data: JSON.stringify(r.data),
          idempotencyKey: r.idempotencyKey,
        })
        this.metrics.publishLatency.observe((performance.now() - started) / 1000)
        if (result.duplicate !== true)
          this.metrics.publications.inc({ source: connection.transport })
        ok(result)
        return
      }
      case 'presence':
        ok({ members: await this.hub.presence(connection, r.channel) })
        return
      case 'history': {
        const history = await this.hub.history(connection, r.channel, r.since, r.limit)
        ok({
          epoch: history.epoch,
          offset: history.offset,
          publications: history.publications.map((p) => ({
            offset: p.offset,
            event: p.event,
            data: JSON.parse(p.data) as unknown,
          })),
        })
        return
      }
      default:
        throw new SwitchboardError(
          ErrorCode.UnknownAction,
          `unknown action "${request.action}"; built-in actions are subscribe, unsubscribe, publish, presence, history, ping`,
        )
    }
  }
}
