/**
 * Socket.IO 4 spoken directly over the engine.io v4 WebSocket transport, so the same raw client
 * serves it: `0{...}` opens the engine, `40` joins the default namespace, `2` pings want a `3`,
 * events are `42[...]` and an event with ack id N is answered by `43N[...]`.
 */
import type { RawWebSocket } from '../raw-websocket.js'
import { startsWith, type Dialect } from './dialect.js'

const EVENT_PREFIX = Buffer.from('42[')
const ENGINE_PING = 0x32 // '2'

export class SocketIoDialect implements Dialect {
  readonly path = '/socket.io/?EIO=4&transport=websocket'
  readonly headers = {}
  private nextAckId = 1

  async handshake(connection: RawWebSocket, timeoutMs: number): Promise<void> {
    await connection.waitForText((text) => text.startsWith('0{'), timeoutMs)
    const connected = connection.waitForText((text) => text.startsWith('40'), timeoutMs)
    connection.sendText('40')
    await connected
  }

  async subscribe(connection: RawWebSocket, channel: string, timeoutMs: number): Promise<void> {
    const ackId = this.nextAckId++
    const acked = connection.waitForText((text) => text.startsWith(`43${ackId}[`), timeoutMs)
    connection.sendText(`42${ackId}${JSON.stringify(['join', channel])}`)
    await acked
  }

  publishText(channel: string, dataJson: string): string {
    return `42["publish",{"channel":${JSON.stringify(channel)},"data":${dataJson}}]`
  }

  isDelivery(buffer: Buffer, start: number, end: number): boolean {
    return startsWith(buffer, start, end, EVENT_PREFIX)
  }

  onControl(connection: RawWebSocket, buffer: Buffer, start: number, end: number): void {
    if (end - start === 1 && buffer[start] === ENGINE_PING) connection.sendText('3')
  }
}
