/**
 * Peer `socket.io`: Socket.IO 4.8 used the documented way, WebSocket transport only. A client
 * emits `join` with a room (acknowledged once joined); a publisher emits `publish` with
 * `{ channel, data }` and the server broadcasts it to the room with `io.to(room).emit`.
 */
import http from 'node:http'
import { Server } from 'socket.io'
import { PEER_HOST, listenPort } from './listen-port.js'
import { deliveryOf } from './requests.js'

const httpServer = http.createServer()
const io = new Server(httpServer, { transports: ['websocket'], serveClient: false })

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
