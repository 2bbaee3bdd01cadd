/**
 * The document service: keeps each open document in memory once per node, loads it from the
 * store on first use, releases it when no peer used it for `documents.unloadGraceMs`, and
 * serves the HTTP API's reads, writes and versions.
 *
 * Cluster: the `DocumentRelay` carries each appended update to the other nodes holding the
 * document, which apply it and send it to their own peers without appending it again.
 */
import { ErrorCode, channelNameProblem } from '@switchboard/protocol'
import type { Logger } from 'pino'
import * as Y from 'yjs'
import type { DocumentOptions } from '../config/defaults.js'
import { SwitchboardError } from '../errors.js'
import type { DocumentRelay, DocumentStore, DocumentVersion } from '../ports/documents.js'
import { documentContent } from './content.js'
import { LiveDocument, type DocumentPeer } from './live-document.js'
import { restoreUpdate } from './restore.js'

export interface DocumentServiceDependencies {
  store: DocumentStore
  /** Carries updates and awareness to the other nodes holding a document open. */
  relay: DocumentRelay
  options: DocumentOptions
  /** Longest document name, in characters (the channel name limit). */
  maxNameLength: number
  logger: Logger
}

export class DocumentService {
  private readonly live = new Map<string, LiveDocument>()

  constructor(private readonly deps: DocumentServiceDependencies) {
    deps.relay.setHandler({
      onUpdate: (name, update, clock) => this.live.get(name)?.applyRemote(update, clock),
      onAwareness: (name, update) => this.live.get(name)?.applyRemoteAwareness(update),
      onMissed: (name) => this.live.get(name)?.reload(),
    })
  }

  /** Documents in memory on this node. */
  get openCount(): number {
    return this.live.size
  }

  /** Throws `invalid_channel` when `name` is not a valid document name. */
  checkName(name: string): void {
    const problem = channelNameProblem(name, this.deps.maxNameLength)
    if (problem !== undefined) {
      throw new SwitchboardError(ErrorCode.InvalidChannel, problem.replace('channel', 'document'))
    }
  }

  /** Connects a peer to a document, loading the document if needed. */
  connect(name: string, peer: DocumentPeer): LiveDocument {
    const document = this.open(name)
    document.join(peer)
    return document
  }

  /** The document's content as JSON, from its persisted state. */
  content(name: string): Promise<Record<string, unknown>> {
    return this.withDocument(name, (document) => documentContent(document.doc))
  }

  /** Applies an update from the HTTP API; resolves once it is durable and broadcast. */
  async applyUpdate(name: string, update: Uint8Array): Promise<void> {
    const document = this.open(name)
    try {
      await document.applyUpdate(update, 'api')
    } finally {
      document.scheduleUnload()
    }
  }

  /** Keeps the document's current state as a named version. */
  createVersion(name: string, version: string): Promise<DocumentVersion> {
    return this.withDocument(name, (document) =>
      this.deps.store.createVersion(name, version, Y.encodeStateAsUpdate(document.doc)),
    )
  }

  listVersions(name: string): Promise<DocumentVersion[]> {
    this.checkName(name)
    return this.deps.store.listVersions(name)
  }

  /** A version's content as JSON. */
  async versionContent(name: string, version: string): Promise<Record<string, unknown>> {
    const state = await this.readVersion(name, version)
    const doc = new Y.Doc()
    Y.applyUpdate(doc, state)
    const content = documentContent(doc)
    doc.destroy()
    return content
  }

  /**
   * Makes the document's content equal to the version's again, with a new update that every
   * peer receives like any edit; history before it is kept.
   */
  async restoreVersion(name: string, version: string): Promise<void> {
    const state = await this.readVersion(name, version)
    const document = this.open(name)
    try {
      const update = await document.run(() => restoreUpdate(document.doc, state))
      await document.applyUpdate(update, 'api')
    } finally {
      document.scheduleUnload()
    }
  }

  /** Compacts and releases every open document. */
  async close(): Promise<void> {
    await Promise.all([...this.live.values()].map((document) => document.close()))
  }

  private open(name: string): LiveDocument {
    this.checkName(name)
    let document = this.live.get(name)
    if (document === undefined) {
      document = new LiveDocument(name, {
        store: this.deps.store,
        relay: this.deps.relay,
        options: this.deps.options,
        logger: this.deps.logger,
        onUnload: (unloaded) => {
          if (this.live.get(unloaded.name) === unloaded) this.live.delete(unloaded.name)
        },
      })
      this.live.set(name, document)
    }
    return document
  }

  private async withDocument<T>(
    name: string,
    read: (document: LiveDocument) => T | Promise<T>,
  ): Promise<T> {
    const document = this.open(name)
    try {
      return await document.run(() => read(document))
    } finally {
      document.scheduleUnload()
    }
  }

  private async readVersion(name: string, version: string): Promise<Uint8Array> {
    this.checkName(name)
    const state = await this.deps.store.readVersion(name, version)
    if (state === undefined) {
      throw new SwitchboardError(ErrorCode.NotFound, `document ${name} has no version ${version}`)
    }
    return state
  }
}
