/**
 * A reverse proxy that forwards plain HTTP (SSE streams and POSTs included) but refuses every
 * WebSocket upgrade, as corporate proxies do: what the SSE fallback exists for.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import {
  connect,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net'

export interface UpgradeRefusingProxy {
  port: number
  /** Set to true to forward WebSocket upgrades from now on, as if the proxy were fixed. */
  allowUpgrades: boolean
  close(): Promise<void>
}

export async function startUpgradeRefusingProxy(targetPort: number): Promise<UpgradeRefusingProxy> {
  const server: Server = createServer((incoming, outgoing) => {
    const upstream = request(
      {
        host: '127.0.0.1',
        port: targetPort,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers)
        response.pipe(outgoing)
        // A server that dies mid-stream must not leave the client's side open: a proxy that
        // did would hide the crash until the client's heartbeat timeout.
        response.on('close', () => {
          if (!response.complete) outgoing.destroy()
        })
      },
    )
    upstream.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502).end()
      else outgoing.destroy()
    })
    outgoing.on('close', () => upstream.destroy())
    incoming.pipe(upstream)
  })
  const tunnels = new Set<Socket>()
  server.on('upgrade', (incoming: IncomingMessage, socket: Socket, head: Buffer) => {
    if (!proxy.allowUpgrades) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    const upstream = connect(targetPort, '127.0.0.1', () => {
      const lines = [`${incoming.method} ${incoming.url} HTTP/1.1`]
      for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
        lines.push(`${incoming.rawHeaders[i]}: ${incoming.rawHeaders[i + 1]}`)
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
      upstream.write(head)
      socket.pipe(upstream).pipe(socket)
    })
    for (const end of [socket, upstream]) {
      tunnels.add(end)
      end.on('error', () => undefined)
      end.on('close', () => {
        tunnels.delete(end)
        socket.destroy()
        upstream.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  const proxy: UpgradeRefusingProxy = {
    port,
    allowUpgrades: false,
    close: () =>
      new Promise((resolve) => {
        for (const socket of tunnels) socket.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return proxy
}

/**
 * A TCP proxy standing for the network between client and server: it can cut every
 * connection, refuse new ones (network down) and freeze traffic without closing anything
 * (a dead link that only a heartbeat notices).
 */
export class NetworkProxy {
  private readonly sockets = new Set<Socket>()
  private refusing = false
  private frozen = false

  private constructor(
    private readonly server: NetServer,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<NetworkProxy> {
    const server = createNetServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const proxy = new NetworkProxy(server, (server.address() as { port: number }).port)
    server.on('connection', (client) => proxy.accept(client, targetPort))
    return proxy
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Network down: cuts every connection and refuses new ones until `restore`. */
  down(): void {
    this.refusing = true
    for (const socket of this.sockets) socket.destroy()
  }

  /** Stops forwarding bytes, both ways, on every connection; nothing is closed. */
  freeze(): void {
    this.frozen = true
  }

  restore(): void {
    this.refusing = false
    this.frozen = false
  }

  async stop(): Promise<void> {
    this.down()
    await new Promise((resolve) => this.server.close(resolve))
  }

  private accept(client: Socket, targetPort: number): void {
    if (this.refusing) {
      client.destroy()
      return
    }
    const upstream = connect(targetPort, '127.0.0.1')
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from)
      from.on('close', () => {
        this.sockets.delete(from)
        to.destroy()
      })
      from.on('error', () => undefined)
      from.on('data', (chunk: Buffer) => {
        if (!this.frozen) to.write(chunk)
      })
    }
  }
}
