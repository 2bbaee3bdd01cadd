/**
 * Peer `ws-frame-once`: the practical limit on Node. `ws` does the upgrade and reads requests,
 * but each publication is serialised and framed once, and that same Buffer is queued on every
 * subscriber's raw socket. Queues are flushed once per event-loop turn, as one `write` of their
 * concatenation, so a socket gets one system call per turn however many messages it carries.
 * Concatenating measured faster here than cork/uncork (a `writev` of many small buffers): the
 * copy is cheap next to the per-buffer bookkeeping of Node's stream and libuv's iovecs.
 */
import http from 'node:http'
import type { Socket } from 'node:net'
import { WebSocketServer } from 'ws'
import { PEER_HOST, listenPort } from './listen-port.js'
import { deliveryOf, parseRequest } from './requests.js'
import { serverTextFrame } from './server-frames.js'
import { Subscriptions } from './subscriptions.js'

interface Subscriber {
  socket: Socket
  /** Frames queued during the current turn. */
  queue: Buffer[]
}

const subscriptions = new Subscriptions<Subscriber>()
const pendingFlush: Subscriber[] = []
let flushScheduled = false

function enqueue(subscriber: Subscriber, frame: Buffer): void {
  if (subscriber.queue.length === 0) pendingFlush.push(subscriber)
  subscriber.queue.push(frame)
  if (flushScheduled) return
  flushScheduled = true
  setImmediate(flush)
}

function flush(): void {
  flushScheduled = false
  for (const { socket, queue } of pendingFlush) {
    if (!socket.destroyed) {
      socket.write(queue.length === 1 ? queue[0]! : Buffer.concat(queue))
    }
    queue.length = 0
  }
  pendingFlush.length = 0
}

const httpServer = http.createServer((_request, response) => response.writeHead(404).end())
const webSocketServer = new WebSocketServer({ noServer: true, perMessageDeflate: false })

httpServer.on('upgrade', (request, socket, head) => {
  webSocketServer.handleUpgrade(request, socket, head, (webSocket) => {
    // The raw socket of the upgrade is the one `ws` keeps; writing whole frames to it directly
    // interleaves safely with the frames `ws` itself writes (replies, pongs).
    const subscriber: Subscriber = { socket: socket as Socket, queue: [] }
    const channels = new Set<string>()
    webSocket.on('message', (raw) => {
      const request = parseRequest(raw.toString())
      if (request === undefined) return

      if (request.action === 'subscribe') {
        channels.add(request.channel)
        subscriptions.add(request.channel, subscriber)
        webSocket.send(JSON.stringify({ id: request.id, ok: true }))
        return
      }
      const frame = serverTextFrame(JSON.stringify(deliveryOf(request.channel, request.data)))
      for (const member of subscriptions.membersOf(request.channel)) enqueue(member, frame)
    })
    webSocket.on('close', () => subscriptions.removeFrom(channels, subscriber))
  })
})

httpServer.listen(listenPort(), PEER_HOST)
