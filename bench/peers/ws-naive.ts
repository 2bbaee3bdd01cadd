/**
 * Peer `ws-naive`: the obvious `ws` server. Each publication is serialised and sent separately
 * to every subscriber, one `socket.send` (one frame, one `write`) per delivery.
 */
import { WebSocketServer, type WebSocket } from 'ws'
import { PEER_HOST, listenPort } from './listen-port.js'
import { deliveryOf, parseRequest } from './requests.js'
import { Subscriptions } from './subscriptions.js'

const subscriptions = new Subscriptions<WebSocket>()
const server = new WebSocketServer({
  host: PEER_HOST,
  port: listenPort(),
  perMessageDeflate: false,
})

server.on('connection', (socket) => {
  const channels = new Set<string>()
  socket.on('message', (raw) => {
    const request = parseRequest(raw.toString())
    if (request === undefined) return

    if (request.action === 'subscribe') {
      channels.add(request.channel)
      subscriptions.add(request.channel, socket)
      socket.send(JSON.stringify({ id: request.id, ok: true }))
      return
    }
    const delivery = deliveryOf(request.channel, request.data)
    for (const subscriber of subscriptions.membersOf(request.channel)) {
      subscriber.send(JSON.stringify(delivery))
    }
  })
  socket.on('close', () => subscriptions.removeFrom(channels, socket))
})
