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
/**
 * Every connection reads into this one buffer (`onread`), so a read allocates nothing. That is
 * safe because each read is parsed to completion before the next: anything kept past the call
 * (a partial frame, a fragment, a reply being waited for) is copied out first. 256 KiB lets a
 * read take everything a batching server queued on the socket.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024)

interface TextWaiter {
  accepts(text: string): boolean
  resolve(text: string): void
  reject(error: Error): void
  timer: NodeJS.Timeout
}

/** The state of a connection whose HTTP upgrade is still under way. */
interface Upgrade {
  head: Buffer
  resolve(connection: RawWebSocket): void
  reject(error: Error): void
  timer: NodeJS.Timeout
}

export class RawWebSocket {
  readonly socket: net.Socket
  /** Socket reads since the upgrade; frames per read shows how well a server batches. */
  reads = 0
  closed = false
  private readonly handler: FrameHandler
  private upgrade: Upgrade | null
  /** The start of a frame cut off at the end of the last read, copied out of the read buffer. */
  private pending: Buffer | null = null
  /** Payload pieces of a fragmented text message; servers under test rarely fragment. */
  private fragments: Buffer[] | null = null
  private waiter: TextWaiter | null = null
  /**
   * Messages offered while nobody waited, kept until `finishSetup`: a server may send its first
   * message in the same read as the 101 answer, before the caller has had a chance to wait.
   */
  private unclaimed: string[] | null = []

  private constructor(
    options: OpenOptions,
    resolve: (connection: RawWebSocket) => void,
    reject: (error: Error) => void,
  ) {
    this.handler = options.handler
    const timer = setTimeout(
      () => this.failUpgrade(new Error(`upgrade timed out after ${options.timeoutMs} ms`)),
      options.timeoutMs,
    )
    this.upgrade = { head: Buffer.alloc(0), resolve, reject, timer }
    this.socket = net.connect({
      host: options.host,
      port: options.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes) => {
          this.onRead(bytes)
          return true
        },
      },
    })
    this.socket.once('connect', () => this.socket.write(upgradeRequest(options)))
    this.socket.on('error', (error) => {
      if (this.upgrade !== null) this.failUpgrade(error)
      else this.socket.destroy()
    })
    this.socket.on('close', () => this.onClose())
  }

  /** Connects and completes the HTTP upgrade; resolves once the server answered 101. */
  static open(options: OpenOptions): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => void new RawWebSocket(options, resolve, reject))
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
      if (this.unclaimed !== null && this.unclaimed.length < MAX_UNCLAIMED)
        this.unclaimed.push(text)
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

  private failUpgrade(error: Error): void {
    const upgrade = this.upgrade
    if (upgrade === null) return
    this.upgrade = null
    clearTimeout(upgrade.timer)
    this.socket.destroy()
    upgrade.reject(error)
  }

  private onClose(): void {
    if (this.upgrade !== null) {
      this.failUpgrade(new Error('connection closed during the upgrade'))
      return
    }
    this.closed = true
    if (this.waiter !== null) {
      clearTimeout(this.waiter.timer)
      this.waiter.reject(new Error('connection closed'))
      this.waiter = null
    }
    this.handler.onClose(this)
  }

  private onRead(bytes: number): void {
    if (this.upgrade === null) {
      this.reads++
      this.parseFrames(READ_BUFFER, bytes)
      return
    }

    const upgrade = this.upgrade
    upgrade.head = Buffer.concat([upgrade.head, READ_BUFFER.subarray(0, bytes)])
    const headerEnd = upgrade.head.indexOf(HEADER_END)
    if (headerEnd === -1) return
    const statusLine = upgrade.head.toString('latin1', 0, upgrade.head.indexOf('\r\n'))
    if (!statusLine.startsWith('HTTP/1.1 101')) {
      this.failUpgrade(new Error(`upgrade refused: ${statusLine}`))
      return
    }

    this.upgrade = null
    clearTimeout(upgrade.timer)
    upgrade.resolve(this)
    const rest = upgrade.head.subarray(headerEnd + HEADER_END.length)
    if (rest.length > 0) this.parseFrames(rest, rest.length)
  }

  /** Parses every complete frame in `chunk[0, length)`, after what the last read left over. */
  private parseFrames(chunk: Buffer, chunkBytes: number): void {
    let buffer = chunk
    let length = chunkBytes
    if (this.pending !== null) {
      buffer = Buffer.concat([this.pending, chunk.subarray(0, chunkBytes)])
      length = buffer.length
      this.pending = null
    }

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
        payloadBytes =
          buffer.readUInt32BE(position + 2) * 2 ** 32 + buffer.readUInt32BE(position + 6)
        headerBytes = 10
      }
      // Servers must not mask; skip a key anyway rather than misparse the stream.
      if ((second & 0x80) !== 0) headerBytes += 4
      const end = position + headerBytes + payloadBytes
      if (end > length) break

      this.onFrame(first, buffer, position + headerBytes, end)
      position = end
    }

    if (position < length) this.pending = Buffer.from(buffer.subarray(position, length))
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
