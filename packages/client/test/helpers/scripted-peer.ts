/**
 * A WebSocket peer over real sockets whose every move the test scripts: it accepts, answers
 * and closes with any close code, including codes no Switchboard server can be made to send
 * on demand (4501, 4503). Tests of the SDK's reaction to each close code use it; everything
 * about delivery is tested against the real server.
 */
import { once } from 'node:events'
import { WebSocketServer, type WebSocket } from 'ws'
import { waitFor } from './wait.js'

export class PeerSocket {
  readonly frames: Array<Record<string, unknown>> = []

  constructor(
    readonly socket: WebSocket,
    readonly url: string,
    /** The `Sec-WebSocket-Protocol` the client offered, where the SDK puts its token. */
    readonly protocols: string,
  ) {
    socket.on('message', (data) => this.frames.push(JSON.parse(String(data)) as never))
  }

  /** Waits until the client sent `count` requests not answered yet. */
  requests(count = 1): Promise<void> {
    return waitFor(() => this.frames.length >= count, `${count} requests`)
  }

  push(frame: object): void {
    this.socket.send(JSON.stringify(frame))
  }

  /** Answers each request the client sent so far with `ok` and `fields`. */
  replyAll(fields: Record<string, unknown> = {}): void {
    for (const request of this.frames.splice(0)) {
      this.push({ id: request.id, ok: true, ...fields })
    }
  }

  close(code: number): void {
    this.socket.close(code)
  }
}

export class ScriptedPeer {
  readonly sockets: PeerSocket[] = []

  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
  ) {
    server.on('connection', (socket, request) => {
      const protocols = request.headers['sec-websocket-protocol'] ?? ''
      this.sockets.push(new PeerSocket(socket, request.url ?? '', protocols))
    })
  }

  static async start(): Promise<ScriptedPeer> {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await once(server, 'listening')
    const { port } = server.address() as { port: number }
    return new ScriptedPeer(server, `ws://127.0.0.1:${port}`)
  }

  /** The n-th connection (1-based), once the client made it. */
  async nth(n: number): Promise<PeerSocket> {
    await waitFor(() => this.sockets.length >= n, `connection ${n}`)
    return this.sockets[n - 1]!
  }

  async stop(): Promise<void> {
    for (const peer of this.sockets) peer.socket.terminate()
    await new Promise((resolve) => this.server.close(resolve))
  }
}
