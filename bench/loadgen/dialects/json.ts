/**
 * The JSON request/reply dialect of Switchboard (`docs/protocol.md`), which the raw `ws` peers
 * speak too: `{"id","action":"subscribe","channel"}` answered by `{"id","ok":true}`, publish
 * requests with `data`, and deliveries pushed as `{"type":"message",...}`.
 */
import type { RawWebSocket } from '../raw-websocket.js'
import { startsWith, type Dialect } from './dialect.js'

const DELIVERY_PREFIX = Buffer.from('{"type":"message"')

interface Reply {
  id?: unknown
  ok?: unknown
  error?: { code?: unknown; message?: unknown }
}

export class JsonDialect implements Dialect {
  readonly path = '/ws'
  readonly headers = {}
  private nextRequestId = 1

  async handshake(): Promise<void> {}

  async subscribe(connection: RawWebSocket, channel: string, timeoutMs: number): Promise<void> {
    const id = this.nextRequestId++
    const reply = connection.waitForText((text) => replyId(text) === id, timeoutMs)
    connection.sendText(JSON.stringify({ id, action: 'subscribe', channel }))

    const body = JSON.parse(await reply) as Reply
    if (body.ok !== true) {
      const reason = body.error ? `${body.error.code}: ${body.error.message}` : 'no ok in reply'
      throw new Error(`subscribe to ${channel} refused (${reason})`)
    }
  }

  publishText(channel: string, dataJson: string): string {
    const id = this.nextRequestId++
    return `{"id":${id},"action":"publish","channel":${JSON.stringify(channel)},"data":${dataJson}}`
  }

  isDelivery(buffer: Buffer, start: number, end: number): boolean {
    return startsWith(buffer, start, end, DELIVERY_PREFIX)
  }

  onControl(): void {
    // Publish replies and `{"type":"ping"}` need no answer; WebSocket pings are answered below.
  }
}

function replyId(text: string): unknown {
  try {
    return (JSON.parse(text) as Reply).id
  } catch {
    return undefined
  }
}
