/**
 * A minimal WebSocket client over `net`, built to read fast rather than to be general: frames are
 * parsed in place from each chunk the socket hands over, and a text frame reaches the handler as
 * a byte range, so a frame that is only counted is never decoded. The `ws` client would allocate
 * and decode every message and cap the load generator well below what a batching server sends.
 */
import net from 'node:net'
import { Opcode, controlFrame, textFrame } from './client-frames.js'

export interface FrameHandler {
  /** A complete text message whose payload is `buffer[start, end)`; valid only during the call. */
  onText(connection: RawWebSocket, buffer: Buffer, start: number, end: number): void
  /** Called after each chunk read from the socket has been parsed. */
  onRead(connection: RawWebSocket): void
  onClose(connection: RawWebSocket): void
}

export interface OpenOptions {
  host: string
  port: number
  /** Request target, path and query, e.g. `/ws`. */
  path: string
  headers: Readonly<Record<string, string>>
  handler: FrameHandler
  timeoutMs: number
}

/** The RFC 6455 §1.3 sample key: the accept value is not checked, so any valid key will do. */
const WEBSOCKET_KEY = 'dGhlIHNhbXBsZSBub25jZQ=='
const HEADER_END = Buffer.from('\r\n\r\n')
const MAX_UNCLAIMED = 16

interface TextWaiter {
  accepts(text: string): boolean
  resolve(text: string): void
  reject(error: Error): void
  timer: NodeJS.Timeout
}

export class RawWebSocket {
  /** Socket reads since the connection opened; frames per read shows how well a server batches. */
  reads = 0
  closed = false
  private pending: Buffer | null = null
  /** Payload pieces of a fragmented text message; servers under test rarely fragment. */
  private fragments: Buffer[] | null = null
  private waiter: TextWaiter | null = null
  /**
   * Messages offered while nobody waited, kept until `finishSetup`: a server may send its first
   * message in the same chunk as the 101 answer, before the caller has had a chance to wait.
   */
  private unclaimed: string[] | null = []

  private constructor(
    readonly socket: net.Socket,
    private readonly handler: FrameHandler,
  ) {}

  /** Connects and completes the HTTP upgrade; resolves once the server answered 101. */
  static open(options: OpenOptions): Promise<RawWebSocket> {
    const socket = net.connect({ host: options.host, port: options.port })
    socket.setNoDelay(true)
    const connection = new RawWebSocket(socket, options.handler)

    return new Promise((resolve, reject) => {
      let settled = false
      const fail = (error: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        socket.destroy()
        reject(error)
      }
      const timer = setTimeout(
        () => fail(new Error(`upgrade timed out after ${options.timeoutMs} ms`)),
        options.timeoutMs,
      )
      const onEarlyClose = (): void => fail(new Error('connection closed during the upgrade'))
      let head = Buffer.alloc(0)
      const onHandshakeData = (chunk: Buffer): void => {
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk])
        const headerEnd = head.indexOf(HEADER_END)
        if (headerEnd === -1) return

        const statusLine = head.toString('latin1', 0, head.indexOf('\r\n'))
        if (!statusLine.startsWith('HTTP/1.1 101')) {
          fail(new Error(`upgrade refused: ${statusLine}`))
          return
        }
        settled = true
        clearTimeout(timer)
        socket.off('data', onHandshakeData)
        socket.off('error', fail)
        socket.off('close', onEarlyClose)
        connection.listen()
        resolve(connection)
        const rest = head.subarray(headerEnd + HEADER_END.length)
        if (rest.length > 0) connection.onData(rest)
      }
      socket.on('data', onHandshakeData)
      socket.on('error', fail)
      socket.on('close', onEarlyClose)
      socket.once('connect', () => socket.write(upgradeRequest(options)))
    })
  }

  sendText(text: string): void {
    this.socket.write(textFrame(text))
  }

  /** Resolves with the next text message that `accepts` (offered through `offerText`). */
  waitForText(accepts: (text: string) => boolean, timeoutMs: number): Promise<string> {
    if (this.waiter !== null) return Promise.reject(new Error('already waiting for a message'))
    const earlier = this.unclaimed?.findIndex(accepts) ?? -1
    if (earlier !== -1) return Promise.resolve(this.unclaimed!.splice(earlier, 1)[0]!)
    if (this.closed) return Promise.reject(new Error('connection closed'))

    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null
        reject(new Error(`no reply within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiter = { accepts, resolve, reject, timer }
    })
  }

  /** Hands a non-delivery message to a pending `waitForText`, if any. */
  offerText(buffer: Buffer, start: number, end: number): void {
    const waiter = this.waiter
    if (waiter === null && this.unclaimed === null) return

    const text = buffer.toString('utf8', start, end)
    if (waiter === null) {
      if (this.unclaimed !== null && this.unclaimed.length < MAX_UNCLAIMED) this.unclaimed.push(text)
      return
    }
    if (!waiter.accepts(text)) return
    clearTimeout(waiter.timer)
    this.waiter = null
    waiter.resolve(text)
  }

  /** Stops keeping unclaimed messages: past set-up, nothing will wait for them. */
  finishSetup(): void {
    this.unclaimed = null
  }

  close(): void {
    this.socket.destroy()
  }

  private listen(): void {
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk))
    this.socket.on('error', () => this.socket.destroy())
    this.socket.on('close', () => {
      this.closed = true
      if (this.waiter !== null) {
        clearTimeout(this.waiter.timer)
        this.waiter.reject(new Error('connection closed'))
        this.waiter = null
      }
      this.handler.onClose(this)
    })
  }

  private onData(chunk: Buffer): void {
    this.reads++
    let buffer = chunk
    if (this.pending !== null) {
      buffer = Buffer.concat([this.pending, chunk])
      this.pending = null
    }

    const length = buffer.length
    let position = 0
    while (position + 2 <= length) {
      const first = buffer[position]!
      const second = buffer[position + 1]!
      let payloadBytes = second & 0x7f
      let headerBytes = 2
      if (payloadBytes === 126) {
        if (position + 4 > length) break
        payloadBytes = buffer.readUInt16BE(position + 2)
        headerBytes = 4
      } else if (payloadBytes === 127) {
        if (position + 10 > length) break
        payloadBytes = buffer.readUInt32BE(position + 2) * 2 ** 32 + buffer.readUInt32BE(position + 6)
        headerBytes = 10
      }
      // Servers must not mask; skip a key anyway rather than misparse the stream.
      if ((second & 0x80) !== 0) headerBytes += 4
      const end = position + headerBytes + payloadBytes
      if (end > length) break

      this.onFrame(first, buffer, position + headerBytes, end)
      position = end
    }

    if (position < length) this.pending = buffer.subarray(position)
    this.handler.onRead(this)
  }

  private onFrame(first: number, buffer: Buffer, start: number, end: number): void {
    const opcode = first & 0x0f
    const fin = (first & 0x80) !== 0
    if (opcode === Opcode.Text && fin) {
      this.handler.onText(this, buffer, start, end)
      return
    }

    switch (opcode) {
      case Opcode.Text:
        this.fragments = [Buffer.from(buffer.subarray(start, end))]
        return
      case Opcode.Continuation:
        if (this.fragments === null) return
        this.fragments.push(Buffer.from(buffer.subarray(start, end)))
        if (fin) {
          const message = Buffer.concat(this.fragments)
          this.fragments = null
          this.handler.onText(this, message, 0, message.length)
        }
        return
      case Opcode.Ping:
        this.socket.write(controlFrame(Opcode.Pong, buffer, start, end))
        return
      case Opcode.Close:
        this.socket.end(controlFrame(Opcode.Close, buffer, start, Math.min(end, start + 2)))
        return
      default:
        // Binary frames and unsolicited pongs carry nothing the benchmark counts.
        return
    }
  }
}

function upgradeRequest(options: OpenOptions): string {
  const extraHeaders = Object.entries(options.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  return (
    `GET ${options.path} HTTP/1.1\r\n` +
    `Host: ${options.host}:${options.port}\r\n` +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${WEBSOCKET_KEY}\r\n` +
    'Sec-WebSocket-Version: 13\r\n' +
    extraHeaders +
    '\r\n'
  )
}
