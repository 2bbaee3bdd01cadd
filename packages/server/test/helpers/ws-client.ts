/** A WebSocket test client speaking the protocol the way a bare browser WebSocket would. */
import { once } from 'node:events'
import WebSocket from 'ws'
import { waitFor } from './wait.js'

export interface Frame {
  [field: string]: any
}

export class TestClient {
  readonly frames: Frame[] = []
  closeCode: number | undefined
  closeReason = ''
  private nextId = 1

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame))
    ws.on('close', (code, reason) => {
      this.closeCode = code
      this.closeReason = reason.toString()
    })
  }

  static async connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options)
    const client = new TestClient(ws)
    await once(ws, 'open')
    return client
  }

  /** Sends a request with a fresh id and resolves with its reply. */
  async request(request: Frame): Promise<Frame> {
    const id = this.nextId++
    this.ws.send(JSON.stringify({ id, ...request }))
    return this.waitFrame((f) => f.id === id)
  }

  send(text: string | Buffer): void {
    this.ws.send(text)
  }

  async waitFrame(match: (frame: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    let found: Frame | undefined
    await waitFor(
      () => (found = this.frames.find(match)) !== undefined || this.closeCode !== undefined,
      {
        timeoutMs,
        message: 'a matching frame',
      },
    )
    if (found === undefined) found = this.frames.find(match)
    if (found === undefined)
      throw new Error(`connection closed (${this.closeCode}) before a matching frame`)
    return found
  }

  /** The `message` pushes received so far, optionally for one channel. */
  messages(channel?: string): Frame[] {
    return this.frames.filter(
      (f) => f.type === 'message' && (channel === undefined || f.channel === channel),
    )
  }

  async waitClosed(timeoutMs = 10_000): Promise<number> {
    await waitFor(() => this.closeCode !== undefined, {
      timeoutMs,
      message: 'the connection to close',
    })
    return this.closeCode!
  }

  close(): void {
    this.ws.close()
  }

  /** Drops the TCP connection without a closing handshake, like a network failure. */
  drop(): void {
    this.ws.terminate()
  }
}
