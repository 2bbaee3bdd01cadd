/**
 * A TCP load balancer without stickiness, as in front of a Switchboard cluster: each new
 * connection goes to the next backend in turn, skipping backends that refuse it.
 */
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'

export class Balancer {
  private next = 0
  private readonly sockets = new Set<Socket>()
  private server: Server | undefined
  port = 0

  constructor(private readonly backends: () => number[]) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      client.pause()
      this.track(client)
      this.route(client, this.backends(), 0)
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    this.server = server
    this.port = (server.address() as { port: number }).port
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise((resolve) => this.server?.close(resolve))
  }

  private track(socket: Socket): void {
    this.sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => this.sockets.delete(socket))
  }

  private route(client: Socket, ports: number[], tried: number): void {
    if (tried >= ports.length || client.destroyed) {
      client.destroy()
      return
    }
    const port = ports[this.next++ % ports.length]!
    const upstream = connect(port, '127.0.0.1')
    let connected = false
    this.track(upstream)
    upstream.once('error', () => {
      if (!connected) this.route(client, ports, tried + 1)
    })
    upstream.once('connect', () => {
      connected = true
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
      client.resume()
    })
  }
}
