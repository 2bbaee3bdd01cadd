/**
 * What a room's client sends, the same whether the room runs here or on another node: frames
 * as text (binary ones as base64), within the plan's message rate; over it the client is told
 * and the frame dropped.
 */
import { ErrorCode } from '@switchboard/protocol'
import type { WebSocket } from 'ws'
import { TokenBucket } from '../limits/token-bucket.js'
import type { Plan } from '../limits/plans.js'

export function readRoomMessages(
  ws: WebSocket,
  plan: Plan,
  onText: (text: string) => void,
  onClose: () => void,
): void {
  const rate = new TokenBucket(plan.messagesPerSecond, plan.messageBurst)
  ws.on('message', (data, isBinary) => {
    if (!rate.take()) {
      const message = `over the message rate of plan ${plan.name}`
      ws.send(JSON.stringify({ error: { code: ErrorCode.RateLimited, message } }))
      return
    }
    onText(isBinary ? Buffer.from(data as Buffer).toString('base64') : String(data))
  })
  ws.on('error', () => undefined)
  ws.on('close', onClose)
}
