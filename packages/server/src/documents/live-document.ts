/**
 * One open document: its `Y.Doc`, its awareness and the peers connected to it.
 *
 * Every operation that reads or changes the document's state runs on one serial queue, and an
 * update is appended to the store before the next operation starts and before it is broadcast.
 * So a peer's sync step 2 (the moment a y-websocket provider reports `synced`) never holds an
 * update that is not yet durable, and a broadcast update is always persisted.
 */
import { CloseCode, DocumentCloseCode, ErrorCode } from '@switchboard/protocol'
import type { Logger } from 'pino'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import type { DocumentAccess, DocumentOptions } from '../config/defaults.js'
import { SwitchboardError } from '../errors.js'
import type { DocumentRelay, DocumentStore } from '../ports/documents.js'
import {
  decodeAwarenessEntries,
  decodePeerMessage,
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
} from './messages.js'
import { OutgoingDocumentMessage } from './outgoing.js'

/** A connection to one document, as the document sees it. */
export interface DocumentPeer {
  readonly id: string
  readonly access: DocumentAccess
  /** Queues a message; never throws, never blocks. */
  send(message: OutgoingDocumentMessage): void
  /** Closes the connection with a code; idempotent. */
  close(code: number): void
}

/** Operations queued on one document before its peers are closed as slow. @default 10_000 */
const MAX_QUEUED_OPERATIONS = 10_000
/** Awareness client ids one peer may control; y-websocket uses one. @default 16 */
const MAX_AWARENESS_CLIENTS_PER_PEER = 16
/**
 * How long a missing store clock may stay missing before the document is reloaded from the
 * store, in ms. Relayed updates of different nodes may arrive out of clock order, so a gap is
 * normal for a moment; one that lasts means a relayed update was lost. @default 1_000
 */
export const RELAY_GAP_WAIT_MS = 1_000

export interface LiveDocumentDependencies {
  store: DocumentStore
  relay: DocumentRelay
  options: DocumentOptions
  logger: Logger
  /** Called once the document left memory (unloaded after its grace period, or failed). */
  onUnload(document: LiveDocument): void
}

export class LiveDocument {
  readonly doc = new Y.Doc()
  readonly awareness = new awarenessProtocol.Awareness(this.doc)
  /** Connected peers and the awareness client ids each one controls. */
  private readonly peers = new Map<DocumentPeer, Set<number>>()
  private tail: Promise<unknown>
  private queued = 0
  /** Every update with a store clock up to this one is in `doc`: compaction stops here. */
  private contiguousClock = 0
  /** Clocks above `contiguousClock` already applied (another node's may still be missing). */
  private readonly clocksAhead = new Set<number>()
  private updatesSinceCompaction = 0
  /** Upper bound of the encoded state's size: the last exact size plus updates since. */
  private sizeBound = 0
  private idleTimer: NodeJS.Timeout | undefined
  private unloadTimer: NodeJS.Timeout | undefined
  private gapTimer: NodeJS.Timeout | undefined
  private gone = false

  constructor(
    readonly name: string,
    private readonly deps: LiveDocumentDependencies,
  ) {
    this.awareness.setLocalState(null)
    this.awareness.on('update', this.onAwarenessUpdate)
    // Subscribing first means updates appended elsewhere while the store is read are not
    // missed: they queue behind the load and apply on top of it.
    this.tail = deps.relay
      .subscribe(name)
      .then(() => this.load(false))
      .catch((error: unknown) => this.fail(error))
  }

  get peerCount(): number {
    return this.peers.size
  }

  /** Runs `operation` after every operation queued before it. */
  run<T>(operation: () => T | Promise<T>): Promise<T> {
    if (this.gone) return Promise.reject(this.closedError())
    this.queued++
    const result = this.tail
      .then(() => {
        if (this.gone) throw this.closedError()
        return operation()
      })
      .finally(() => this.queued--)
    this.tail = result.catch(() => undefined)
    return result
  }

  private closedError(): SwitchboardError {
    return new SwitchboardError(ErrorCode.Unavailable, `document ${this.name} was closed; retry`)
  }

  /**
   * Adds a peer and starts the sync: the server's step 1, then the known awareness states.
   * Joining again starts a new sync.
   */
  join(peer: DocumentPeer): void {
    if (!this.peers.has(peer)) this.peers.set(peer, new Set())
    clearTimeout(this.unloadTimer)
    this.unloadTimer = undefined
    this.run(() => {
      peer.send(new OutgoingDocumentMessage(encodeSyncStep1(Y.encodeStateVector(this.doc))))
      const clients = [...this.awareness.getStates().keys()]
      if (clients.length > 0) {
        const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)
        peer.send(new OutgoingDocumentMessage(encodeAwareness(update)))
      }
    }).catch(() => peer.close(CloseCode.InternalError))
  }

  /** Removes a peer and the awareness states it controlled (which tells the others). */
  leave(peer: DocumentPeer): void {
    const clients = this.peers.get(peer)
    if (clients === undefined) return
    this.peers.delete(peer)
    if (clients.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...clients], 'disconnect')
    }
    if (this.peers.size === 0) this.scheduleUnload()
  }

  /**
   * Handles one y-protocols message from a peer. Resolves once it is handled (an update once
   * durable and sent on), rejects with a coded error: a message that breaks the protocol or a
   * limit also closes that peer with a code; an update from a read-only peer is refused with
   * `forbidden` and changes nothing (its sync step 2 is dropped silently, as y-protocols says).
   */
  receive(peer: DocumentPeer, bytes: Uint8Array): Promise<void> {
    try {
      return this.dispatch(peer, bytes).catch((error: unknown) => {
        if (!(error instanceof SwitchboardError && error.code === ErrorCode.Forbidden)) {
          this.refuse(peer, error)
        }
        throw error
      })
    } catch (error) {
      this.refuse(peer, error)
      return Promise.reject(error)
    }
  }

  /**
   * Applies an update, appends what it added to the store, then broadcasts it to every peer
   * but `origin`. Resolves once durable. Refuses updates over the size limits.
   */
  applyUpdate(update: Uint8Array, origin: DocumentPeer | 'api'): Promise<void> {
    const max = this.deps.options.maxUpdateBytes
    if (update.length > max) {
      return Promise.reject(
        new SwitchboardError(
          ErrorCode.UpdateTooLarge,
          `update is ${update.length} bytes, the limit (documents.maxUpdateBytes) is ${max}`,
        ),
      )
    }
    return this.run(() => this.applyNow(update, origin))
  }

  /** Applies an update another node appended under `clock`, for this node's peers. */
  applyRemote(update: Uint8Array, clock: number): void {
    this.run(() => {
      const added = this.applyCapturing(update, 'relay')
      this.markApplied(clock)
      if (added === undefined) return
      this.sizeBound += added.length
      this.broadcast(new OutgoingDocumentMessage(encodeUpdate(added)))
      this.afterAppend()
    }).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'relayed update failed'))
  }

  /**
   * Reads the document from the store again and sends what this node missed to its peers:
   * for when relayed updates may have been lost.
   */
  reload(): void {
    this.run(() => this.load(true)).catch((error: unknown) => this.fail(error))
  }

  /** Applies an awareness update from a client of another node. */
  applyRemoteAwareness(update: Uint8Array): void {
    try {
      decodeAwarenessEntries(update)
      awarenessProtocol.applyAwarenessUpdate(this.awareness, update, 'relay')
    } catch (error) {
      this.deps.logger.warn({ err: error, document: this.name }, 'relayed awareness failed')
    }
  }

  /** Starts the unload timer if no peer is connected (after an API call, for example). */
  scheduleUnload(): void {
    if (this.peers.size > 0 || this.unloadTimer !== undefined || this.gone) return
    this.unloadTimer = setTimeout(() => {
      this.unloadTimer = undefined
      this.run(() => this.unloadNow()).catch((error: unknown) => this.fail(error))
    }, this.deps.options.unloadGraceMs)
    this.unloadTimer.unref()
  }

  /** Writes a snapshot of the current state if updates were appended since the last one. */
  compact(): Promise<void> {
    return this.run(() => this.compactNow())
  }

  /** Waits for queued operations, compacts, and releases the document. */
  async close(): Promise<void> {
    if (this.gone) return
    await this.run(() => this.compactNow()).catch(() => undefined)
    this.destroy()
  }

  private async dispatch(peer: DocumentPeer, bytes: Uint8Array): Promise<void> {
    const message = decodePeerMessage(bytes)
    switch (message.type) {
      case 'sync-step-1':
        await this.run(() => {
          const update = Y.encodeStateAsUpdate(this.doc, message.stateVector)
          peer.send(new OutgoingDocumentMessage(encodeSyncStep2(update)))
        })
        return
      case 'sync-step-2':
      case 'update':
        // Read-only peers' edits are dropped, as y-protocols specifies; they stay local.
        if (peer.access !== 'read-write') {
          if (message.type === 'sync-step-2') return
          throw new SwitchboardError(
            ErrorCode.Forbidden,
            `document ${this.name} is read-only for this connection; the update was dropped`,
          )
        }
        if (this.queued >= MAX_QUEUED_OPERATIONS) {
          peer.close(CloseCode.SlowConsumer)
          throw new SwitchboardError(
            ErrorCode.RateLimited,
            `document ${this.name} has ${this.queued} operations waiting, the most it queues`,
          )
        }
        await this.applyUpdate(message.update, peer)
        return
      case 'awareness':
        this.applyAwareness(peer, message.update)
        return
      case 'query-awareness': {
        const clients = [...this.awareness.getStates().keys()]
        const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)
        peer.send(new OutgoingDocumentMessage(encodeAwareness(update)))
        return
      }
      case 'auth':
        return
    }
  }

  private applyAwareness(peer: DocumentPeer, update: Uint8Array): void {
    const controlled = this.peers.get(peer)
    if (controlled === undefined) return
    for (const entry of decodeAwarenessEntries(update)) {
      if (entry.removed) controlled.delete(entry.clientId)
      else controlled.add(entry.clientId)
    }
    if (controlled.size > MAX_AWARENESS_CLIENTS_PER_PEER) {
      throw new SwitchboardError(
        ErrorCode.InvalidUpdate,
        `awareness for ${controlled.size} clients from one connection, the limit is ${MAX_AWARENESS_CLIENTS_PER_PEER}`,
      )
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, peer)
  }

  private async applyNow(update: Uint8Array, origin: DocumentPeer | 'api'): Promise<void> {
    if (isEmptyUpdate(update)) return
    this.checkDocumentSize(update.length)

    // Apply first to learn what the update adds: the store keeps only that, and an update that
    // does not decode is refused before anything is written.
    const added = this.applyCapturing(update, origin)
    // An update whose dependencies have not arrived is held by Yjs and announces nothing yet;
    // store it as received, so that it is as durable as the sender was told.
    const waiting = this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null
    const durable = waiting ? update : added
    if (durable === undefined) return

    let clock: number
    try {
      clock = await this.deps.store.append(this.name, durable)
    } catch (error) {
      // Memory is now ahead of the store: drop this copy so that peers resync from the store.
      this.fail(error)
      throw error
    }
    this.markApplied(clock)
    this.deps.relay
      .publishUpdate(this.name, durable, clock)
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'relay publish failed'))
    this.sizeBound += durable.length
    if (added !== undefined) {
      this.broadcast(new OutgoingDocumentMessage(encodeUpdate(added)), origin)
    }
    this.afterAppend()
  }

  /** Applies `update` and returns what it added to the document (undefined: nothing). */
  private applyCapturing(update: Uint8Array, origin: unknown): Uint8Array | undefined {
    let added: Uint8Array | undefined
    const capture = (change: Uint8Array) => (added = change)
    this.doc.on('update', capture)
    try {
      Y.applyUpdate(this.doc, update, origin)
    } catch {
      throw new SwitchboardError(ErrorCode.InvalidUpdate, 'the bytes are not a valid Yjs update')
    } finally {
      this.doc.off('update', capture)
    }
    return added
  }

  private markApplied(clock: number): void {
    if (clock <= this.contiguousClock) return
    this.clocksAhead.add(clock)
    while (this.clocksAhead.delete(this.contiguousClock + 1)) this.contiguousClock++
    this.watchGap()
  }

  /**
   * While a clock below one this node applied is missing, waits `RELAY_GAP_WAIT_MS` for it;
   * if it is still missing then, its relayed update was lost and the store has it.
   */
  private watchGap(): void {
    if (this.clocksAhead.size === 0 || this.gapTimer !== undefined || this.gone) return
    const missing = this.contiguousClock + 1
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined
      if (this.contiguousClock >= missing) {
        this.watchGap()
        return
      }
      this.deps.logger.info({ document: this.name, clock: missing }, 'relayed update missed')
      this.reload()
    }, RELAY_GAP_WAIT_MS)
    this.gapTimer.unref()
  }

  private checkDocumentSize(incomingBytes: number): void {
    const max = this.deps.options.maxDocumentBytes
    if (this.sizeBound + incomingBytes <= max) return
    this.sizeBound = Y.encodeStateAsUpdate(this.doc).length
    if (this.sizeBound + incomingBytes <= max) return
    throw new SwitchboardError(
      ErrorCode.DocumentTooLarge,
      `document ${this.name} is ${this.sizeBound} bytes and the update ${incomingBytes}, the limit (documents.maxDocumentBytes) is ${max}`,
    )
  }

  private afterAppend(): void {
    this.updatesSinceCompaction++
    if (this.updatesSinceCompaction >= this.deps.options.compactAfterUpdates) {
      this.compact().catch((error: unknown) => this.logCompactionFailure(error))
      return
    }
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      this.compact().catch((error: unknown) => this.logCompactionFailure(error))
    }, this.deps.options.compactIdleMs)
    this.idleTimer.unref()
  }

  private async compactNow(): Promise<void> {
    if (this.updatesSinceCompaction === 0) return
    clearTimeout(this.idleTimer)
    const snapshot = Y.encodeStateAsUpdate(this.doc)
    await this.deps.store.compact(this.name, snapshot, this.contiguousClock)
    this.updatesSinceCompaction = 0
    this.sizeBound = snapshot.length
  }

  /**
   * Applies the stored state: on open, and again when relayed updates were missed, in which
   * case what the store added is broadcast to the peers.
   */
  private async load(broadcast: boolean): Promise<void> {
    const stored = await this.deps.store.load(this.name)
    let added: Uint8Array | undefined
    const capture = (change: Uint8Array) => (added = change)
    this.doc.on('update', capture)
    try {
      Y.transact(this.doc, () => {
        if (stored.snapshot !== undefined) Y.applyUpdate(this.doc, stored.snapshot)
        for (const update of stored.updates) Y.applyUpdate(this.doc, update)
      })
    } finally {
      this.doc.off('update', capture)
    }
    if (broadcast && added !== undefined) {
      this.broadcast(new OutgoingDocumentMessage(encodeUpdate(added)))
    }
    // Every clock up to the store's latest is now in the document.
    this.contiguousClock = Math.max(this.contiguousClock, stored.clock)
    for (const clock of this.clocksAhead) if (clock <= stored.clock) this.clocksAhead.delete(clock)
    while (this.clocksAhead.delete(this.contiguousClock + 1)) this.contiguousClock++
    this.updatesSinceCompaction = stored.updates.length
    this.sizeBound =
      (stored.snapshot?.length ?? 0) + stored.updates.reduce((sum, u) => sum + u.length, 0)
    if (this.updatesSinceCompaction >= this.deps.options.compactAfterUpdates) {
      await this.compactNow()
    }
  }

  private async unloadNow(): Promise<void> {
    if (this.peers.size > 0) return
    await this.compactNow()
    if (this.peers.size > 0) return
    this.destroy()
  }

  private broadcast(message: OutgoingDocumentMessage, except?: DocumentPeer | 'api'): void {
    for (const peer of this.peers.keys()) if (peer !== except) peer.send(message)
  }

  /**
   * Awareness changes go to every peer, the sender included, as y-websocket servers do, and
   * those of this node's clients to the other nodes (expiry runs on every node by itself).
   */
  private readonly onAwarenessUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const clients = [...change.added, ...change.updated, ...change.removed]
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)
    this.broadcast(new OutgoingDocumentMessage(encodeAwareness(update)))
    if (origin === 'relay' || origin === 'timeout') return
    this.deps.relay
      .publishAwareness(this.name, update)
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'relay publish failed'))
  }

  private refuse(peer: DocumentPeer, error: unknown): void {
    const code = error instanceof SwitchboardError ? error.code : undefined
    if (code === ErrorCode.InvalidUpdate) peer.close(DocumentCloseCode.ProtocolError)
    else if (code === ErrorCode.UpdateTooLarge) peer.close(DocumentCloseCode.UpdateTooLarge)
    else if (code === ErrorCode.DocumentTooLarge) peer.close(DocumentCloseCode.DocumentTooLarge)
    else if (code === ErrorCode.Unavailable) peer.close(CloseCode.ServerShutdown)
    else peer.close(CloseCode.InternalError)
    this.deps.logger.debug({ err: error, document: this.name, peer: peer.id }, 'peer refused')
  }

  private fail(error: unknown): void {
    if (this.gone) return
    this.deps.logger.error(
      { err: error, document: this.name },
      'document failed (its store or relay): its clients reconnect and resync',
    )
    for (const peer of this.peers.keys()) peer.close(CloseCode.InternalError)
    this.destroy()
  }

  private logCompactionFailure(error: unknown): void {
    this.deps.logger.warn({ err: error, document: this.name }, 'document compaction failed')
  }

  private destroy(): void {
    if (this.gone) return
    this.gone = true
    clearTimeout(this.idleTimer)
    clearTimeout(this.unloadTimer)
    clearTimeout(this.gapTimer)
    this.awareness.off('update', this.onAwarenessUpdate)
    this.awareness.destroy()
    this.doc.destroy()
    this.deps.relay.unsubscribe(this.name).catch(() => undefined)
    this.deps.onUnload(this)
  }
}

/** An update with no structs and an empty delete set: y-websocket sends one on every sync. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0
}
