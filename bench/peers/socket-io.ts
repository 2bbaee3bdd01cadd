/**
 * Peer `socket.io`: Socket.IO 4.8 used the documented way, WebSocket transport only. A client
 * emits `join` with a room (acknowledged once joined); a publisher emits `publish` with
 * `{ channel, data }` and the server broadcasts it to the room with `io.to(room).emit`.
 * With `--redis URL [--key PREFIX]`, nodes share rooms through `@socket.io/redis-adapter`
 * (its documented setup: one publishing and one subscribing ioredis connection).
 */
import http from 'node:http'
import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { Server } from 'socket.io'
import { PEER_HOST, listenPort } from './listen-port.js'
import { deliveryOf } from './requests.js'

const httpServer = http.createServer()
const io = new Server(httpServer, { transports: ['websocket'], serveClient: false })

const redisAt = process.argv.indexOf('--redis')
if (redisAt !== -1) {
  const keyAt = process.argv.indexOf('--key')
  const key = keyAt === -1 ? 'socket.io' : process.argv[keyAt + 1]
  const pubClient = new Redis(process.argv[redisAt + 1]!)
  const subClient = pubClient.duplicate()
  io.adapter(createAdapter(pubClient, subClient, { key }))
}

io.on('connection', (socket) => {
  socket.on('join', (room: unknown, acknowledge: unknown) => {
    if (typeof room !== 'string') return
    void socket.join(room)
    if (typeof acknowledge === 'function') acknowledge(true)
  })
  socket.on('publish', (publication: unknown) => {
    if (typeof publication !== 'object' || publication === null) return
    const { channel, data } = publication as { channel?: unknown; data?: unknown }
    if (typeof channel !== 'string') return
    io.to(channel).emit('message', deliveryOf(channel, data))
  })
})

httpServer.listen(listenPort(), PEER_HOST)
