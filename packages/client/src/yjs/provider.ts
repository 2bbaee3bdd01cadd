/**
 * A Yjs document kept in sync over the client's connection, as a y-websocket provider keeps
 * one over a socket of its own: y-protocols sync and awareness messages, a sync on every
 * (re)open, local edits sent as updates, remote awareness dropped while disconnected.
 *
 * Tabs sharing one connection (`shareConnection`) are one client to the server, which sends
 * an update to every client but its sender: such tabs pass their own updates and awareness to
 * each other over a BroadcastChannel per document, as y-websocket does between tabs.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import type * as Y from 'yjs'
import { Emitter } from '../emitter.js'
import { ClientErrorCode, SwitchboardError } from '../errors.js'
import type { DocumentOpened, DocumentSessionHandler } from './sessions.js'

const MESSAGE_SYNC = 0
const MESSAGE_AWARENESS = 1

export interface DocumentProviderOptions {
  /** The document to sync; a new `Y.Doc` when absent. */
  doc?: Y.Doc
  /** The awareness to share; a new one on `doc` when absent (destroyed with the provider). */
  awareness?: awarenessProtocol.Awareness
}

export interface DocumentProviderEvents {
  /** The document caught up with the server (true), or the connection to it was lost. */
  synced: [synced: boolean]
  /**
   * The server refused something: an update of a read-only document (`forbidden`), or the
   * document itself (`forbidden`, `update_too_large`, ...; then `closed` is true).
   */
  error: [error: SwitchboardError]
}

/** What the provider needs of its client: see `DocumentSessions.add`. */
export interface DocumentChannel {
  send(bytes: Uint8Array): Promise<void>
  close(): void
}

export class DocumentProvider implements DocumentSessionHandler {
  readonly doc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  /** Whether the document caught up with the server since it was last (re)opened. */
  synced = false
  /** What the server lets this connection do, once opened. */
  access: 'read-write' | 'read-only' | undefined
  /** Set when the server refused the document for good, or after `destroy()`. */
  closed = false
  private readonly emitter = new Emitter<DocumentProviderEvents>()
  private readonly ownsAwareness: boolean
  private channel: DocumentChannel | undefined
  private tabs: BroadcastChannel | undefined
  private open = false

  constructor(
    readonly name: string,
    options: DocumentProviderOptions,
    defaultDoc: () => Y.Doc,
    /** The BroadcastChannel name of tabs sharing one connection; none when not shared. */
    tabsChannel: string | undefined,
  ) {
    this.doc = options.doc ?? options.awareness?.doc ?? defaultDoc()
    this.ownsAwareness = options.awareness === undefined
    this.awareness = options.awareness ?? new awarenessProtocol.Awareness(this.doc)
    this.doc.on('update', this.onUpdate)
    this.awareness.on('update', this.onAwarenessUpdate)
    if (tabsChannel !== undefined && typeof BroadcastChannel === 'function') {
      this.tabs = new BroadcastChannel(tabsChannel)
      this.tabs.onmessage = (event: MessageEvent<Uint8Array>) => this.apply(event.data)
    }
  }

  /** Connects the provider to its client's session of the document. */
  attach(channel: DocumentChannel): void {
    this.channel = channel
  }

  on<K extends keyof DocumentProviderEvents>(
    event: K,
    listener: (...args: DocumentProviderEvents[K]) => void,
  ): () => void {
    return this.emitter.on(event, listener)
  }

  /** Resolves once the document is synced (at once if it is); rejects if it is closed first. */
  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve()
    if (this.closed) {
      return Promise.reject(new SwitchboardError(ClientErrorCode.Closed, `${this.name} is closed`))
    }
    return new Promise((resolve, reject) => {
      const stop = [
        this.on('synced', (synced) => {
          if (!synced) return
          stop.forEach((off) => off())
          resolve()
        }),
        this.on('error', (error) => {
          if (!this.closed) return
          stop.forEach((off) => off())
          reject(error)
        }),
      ]
    })
  }

  /**
   * Leaves the document: this client's awareness state is removed for everyone, the server
   * forgets the session; the `Y.Doc` stays as it is.
   */
  destroy(): void {
    if (this.closed && this.channel === undefined) return
    if (this.open) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], 'destroy')
    }
    this.channel?.close()
    this.channel = undefined
    this.finish()
  }

  // DocumentSessionHandler

  opened(info: DocumentOpened): void {
    this.open = true
    this.access = info.access
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeSyncStep1(encoder, this.doc)
    this.send(encoding.toUint8Array(encoder))
    // Announce the local state with a newer clock: the server dropped the one it knew when
    // the previous session ended.
    const local = this.awareness.getLocalState()
    if (local !== null) this.awareness.setLocalState(local)
  }

  message(bytes: Uint8Array): void {
    const kind = this.apply(bytes)
    if (kind === syncProtocol.messageYjsSyncStep2 && !this.synced) {
      this.synced = true
      this.emitter.emit('synced', true)
    }
  }

  interrupted(error: SwitchboardError, reopening: boolean): void {
    this.open = false
    if (this.synced) {
      this.synced = false
      this.emitter.emit('synced', false)
    }
    // Whoever was there may have left meanwhile: the next sync says who is.
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID)
    awarenessProtocol.removeAwarenessStates(this.awareness, others, this)
    if (reopening) return
    this.channel = undefined
    this.finish()
    if (error.code !== ClientErrorCode.Closed) this.emitter.emit('error', error)
  }

  /**
   * Applies one message from the server or a sibling tab; answers a sync step 1. Returns the
   * sync message type, if it was one.
   */
  private apply(bytes: Uint8Array): number | undefined {
    try {
      const decoder = decoding.createDecoder(bytes)
      const type = decoding.readVarUint(decoder)
      if (type === MESSAGE_AWARENESS) {
        const update = decoding.readVarUint8Array(decoder)
        awarenessProtocol.applyAwarenessUpdate(this.awareness, update, this)
        return undefined
      }
      if (type !== MESSAGE_SYNC) return undefined
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, MESSAGE_SYNC)
      const kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this)
      if (encoding.length(encoder) > 1) this.send(encoding.toUint8Array(encoder))
      return kind
    } catch {
      this.emitter.emit(
        'error',
        new SwitchboardError('invalid_update', `a malformed message of document ${this.name}`),
      )
      return undefined
    }
  }

  private send(bytes: Uint8Array): void {
    const channel = this.channel
    if (channel === undefined || !this.open) return
    channel.send(bytes).catch((error: SwitchboardError) => {
      // Lost with the connection: the next sync carries it.
      if (error.code !== ClientErrorCode.Disconnected) this.emitter.emit('error', error)
    })
  }

  /** Local edits go to the server (while open; the next sync carries them otherwise). */
  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeUpdate(encoder, update)
    const message = encoding.toUint8Array(encoder)
    this.tabs?.postMessage(message)
    this.send(message)
  }

  private readonly onAwarenessUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin === this) return
    const clients = [...change.added, ...change.updated, ...change.removed]
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS)
    encoding.writeVarUint8Array(
      encoder,
      awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients),
    )
    const message = encoding.toUint8Array(encoder)
    this.tabs?.postMessage(message)
    this.send(message)
  }

  private finish(): void {
    this.open = false
    this.closed = true
    this.synced = false
    this.doc.off('update', this.onUpdate)
    this.awareness.off('update', this.onAwarenessUpdate)
    this.tabs?.close()
    this.tabs = undefined
    if (this.ownsAwareness) this.awareness.destroy()
  }
}
