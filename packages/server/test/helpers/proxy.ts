/** A TCP proxy whose connections a test can cut, to simulate a network failure. */
import { createServer, connect, type Server, type Socket } from 'node:net'
import { once } from 'node:events'

export class CuttableProxy {
  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<CuttableProxy> {
    const sockets = new Set<Socket>()
    const server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1')
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.on('error', () => undefined)
      }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return new CuttableProxy(server, sockets, (server.address() as { port: number }).port)
  }

  /** Destroys every proxied connection at once, without any closing handshake. */
  cutAll(): void {
    for (const socket of this.sockets) socket.destroy()
  }

  async stop(): Promise<void> {
    this.cutAll()
    await new Promise((resolve) => this.server.close(resolve))
  }
}
