/**
 * The documents a client holds open over its connection (`doc.open` on `/ws`, see
 * docs/protocol.md): each is opened on every new WebSocket connection, opened again after
 * the server ended it with `reconnect` or after a message it may not have applied (which
 * resynchronises it), and long messages go in the parts the server takes. On the SSE
 * fallback documents wait for the next WebSocket connection.
 */
import { ClientErrorCode, ErrorCode } from '@switchboard/protocol'
import { Backoff } from '../backoff.js'
import type { Client } from '../client.js'
import { SwitchboardError, disconnectedError } from '../errors.js'
import type { BackoffOptions } from '../backoff.js'
import { fromBase64, toBase64 } from './base64.js'

/** The server's answer to `doc.open`. */
export interface DocumentOpened {
  doc: string
  /** `read-only`: the server refuses this connection's updates with `forbidden`. */
  access: 'read-write' | 'read-only'
  maxChunkChars: number
}

/** The y-protocols side of one open document (the provider). */
export interface DocumentSessionHandler {
  /** The document was opened, or opened again: start a sync. */
  opened(info: DocumentOpened): void
  /** One y-protocols message from the server. */
  message(bytes: Uint8Array): void
  /**
   * The session ended: the connection dropped, or the server ended it. With `reopening` it
   * is opened again by itself (`opened` follows); without, it is over.
   */
  interrupted(error: SwitchboardError, reopening: boolean): void
}

/** Refusals of `doc.open` that a later attempt may not meet. */
const RETRIED_OPEN_ERRORS = new Set<string>([
  ErrorCode.Unavailable,
  ErrorCode.InternalError,
  ErrorCode.RateLimited,
])
/**
 * Refusals of `doc.message` after which nothing needs repair: the update was refused on
 * purpose (read-only), or the connection is gone and the next one resyncs anyway.
 */
const SETTLED_MESSAGE_ERRORS = new Set<string>([ErrorCode.Forbidden, ClientErrorCode.Disconnected])

interface Session {
  handler: DocumentSessionHandler
  /** `opening`: `doc.open` sent, its pushes held until the reply (which comes first). */
  state: 'closed' | 'opening' | 'open'
  /** Bumped by every `doc.open`, so that a stale reply is ignored. */
  attempt: number
  held: string[]
  chunkChars: number
  openedAt: number
  retry: Backoff
  retryTimer: ReturnType<typeof setTimeout> | undefined
}

export class DocumentSessions {
  private readonly sessions = new Map<string, Session>()

  constructor(
    private readonly client: Client,
    private readonly backoff: BackoffOptions,
  ) {
    client.on('state', (state) => {
      if (state === 'connected') {
        for (const name of this.sessions.keys()) this.open(name)
        return
      }
      // Documents resync on the next connection; a closed client opens none again.
      const reopening = state !== 'closed'
      const error = reopening
        ? disconnectedError()
        : new SwitchboardError(ClientErrorCode.Closed, 'the client is closed')
      for (const session of this.sessions.values()) this.interrupt(session, error, reopening)
    })
    client.on('push', (frame) => this.receive(frame))
  }

  /** Opens `name` for `handler`; returns how to send its messages and to close it. */
  add(
    name: string,
    handler: DocumentSessionHandler,
  ): { send(bytes: Uint8Array): Promise<void>; close(): void } {
    const session: Session = {
      handler,
      state: 'closed',
      attempt: 0,
      held: [],
      chunkChars: 0,
      openedAt: 0,
      retry: new Backoff(this.backoff),
      retryTimer: undefined,
    }
    this.sessions.set(name, session)
    this.open(name)
    return {
      send: (bytes) => this.send(name, session, bytes),
      close: () => {
        if (this.sessions.get(name) !== session) return
        this.sessions.delete(name)
        clearTimeout(session.retryTimer)
        if (session.state === 'closed' || this.client.state !== 'connected') return
        this.client.request({ action: 'doc.close', doc: name }).catch(() => undefined)
      },
    }
  }

  private open(name: string): void {
    const session = this.sessions.get(name)
    if (session === undefined || this.client.state !== 'connected') return
    // Documents need the pushes of a WebSocket; the SSE fallback tries WebSocket again.
    if (this.client.transport !== 'websocket') return
    clearTimeout(session.retryTimer)
    session.retryTimer = undefined
    session.state = 'opening'
    session.held = []
    const attempt = ++session.attempt

    this.client.request({ action: 'doc.open', doc: name }).then(
      (reply) => {
        if (this.sessions.get(name) !== session || session.attempt !== attempt) return
        const info = reply as unknown as DocumentOpened
        session.state = 'open'
        session.chunkChars = info.maxChunkChars
        session.openedAt = Date.now()
        session.handler.opened(info)
        const held = session.held
        session.held = []
        for (const data of held) this.deliver(session, data)
      },
      (error: SwitchboardError) => {
        if (this.sessions.get(name) !== session || session.attempt !== attempt) return
        session.state = 'closed'
        if (error.code === ClientErrorCode.Disconnected) return
        if (RETRIED_OPEN_ERRORS.has(error.code)) {
          this.retry(name, session)
          return
        }
        this.sessions.delete(name)
        session.handler.interrupted(error, false)
      },
    )
  }

  private async send(name: string, session: Session, bytes: Uint8Array): Promise<void> {
    if (this.sessions.get(name) !== session || session.state !== 'open') {
      throw disconnectedError()
    }
    const data = toBase64(bytes)
    const size = session.chunkChars
    const parts = Math.ceil(data.length / size)
    const frames =
      parts <= 1
        ? [{ action: 'doc.message', doc: name, data }]
        : Array.from({ length: parts }, (_, part) => ({
            action: 'doc.message',
            doc: name,
            data: data.slice(part * size, (part + 1) * size),
            part,
            parts,
          }))
    const attempt = session.attempt
    try {
      await Promise.all(frames.map((frame) => this.client.request(frame)))
    } catch (error) {
      // The server may lack what it refused (a rate limit, a lost part): resynchronise.
      const code = (error as SwitchboardError).code
      if (!SETTLED_MESSAGE_ERRORS.has(code) && session.attempt === attempt) {
        this.retry(name, session)
      }
      throw error
    }
  }

  private receive(frame: Record<string, unknown>): void {
    if (typeof frame.doc !== 'string') return
    const session = this.sessions.get(frame.doc)
    if (session === undefined) return

    if (frame.type === 'doc' && typeof frame.data === 'string') {
      if (session.state === 'opening') session.held.push(frame.data)
      else if (session.state === 'open') this.deliver(session, frame.data)
      return
    }
    if (frame.type !== 'doc.closed') return
    const code = typeof frame.code === 'string' ? frame.code : ErrorCode.InternalError
    const error = new SwitchboardError(code, `the server closed document ${frame.doc} (${code})`)
    if (frame.reconnect !== true) {
      this.sessions.delete(frame.doc)
      clearTimeout(session.retryTimer)
      session.state = 'closed'
      session.handler.interrupted(error, false)
      return
    }
    session.retry.connectionEnded(Date.now() - session.openedAt)
    this.interrupt(session, error, true)
    this.retry(frame.doc, session)
  }

  private deliver(session: Session, data: string): void {
    session.handler.message(fromBase64(data))
  }

  private interrupt(session: Session, error: SwitchboardError, reopening: boolean): void {
    session.attempt++
    const wasOpen = session.state !== 'closed'
    session.state = 'closed'
    session.held = []
    if (wasOpen) session.handler.interrupted(error, reopening)
  }

  /** Opens the document again after a backoff delay, which resynchronises it. */
  private retry(name: string, session: Session): void {
    if (session.retryTimer !== undefined) return
    session.retryTimer = setTimeout(() => {
      session.retryTimer = undefined
      if (this.sessions.get(name) === session) this.open(name)
    }, session.retry.next())
  }
}
