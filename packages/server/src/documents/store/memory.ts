/** In-memory document store: the reference implementation of the document store port. */
import { ErrorCode } from '@switchboard/protocol'
import { SwitchboardError } from '../../errors.js'
import type { DocumentStore, DocumentVersion, StoredDocument } from '../../ports/documents.js'

interface MemoryDocument {
  snapshot: Uint8Array | undefined
  snapshotClock: number
  updates: { clock: number; update: Uint8Array }[]
  clock: number
  versions: Map<string, { version: DocumentVersion; state: Uint8Array }>
}

export class MemoryDocumentStore implements DocumentStore {
  private readonly documents = new Map<string, MemoryDocument>()

  constructor(private readonly now: () => number = Date.now) {}

  async append(document: string, update: Uint8Array): Promise<number> {
    const entry = this.entry(document)
    entry.clock++
    entry.updates.push({ clock: entry.clock, update: update.slice() })
    return entry.clock
  }

  async load(document: string): Promise<StoredDocument> {
    const entry = this.documents.get(document)
    if (entry === undefined) {
      return { snapshot: undefined, snapshotClock: 0, updates: [], clock: 0 }
    }
    return {
      snapshot: entry.snapshot,
      snapshotClock: entry.snapshotClock,
      updates: entry.updates.map((u) => u.update),
      clock: entry.clock,
    }
  }

  async compact(document: string, snapshot: Uint8Array, throughClock: number): Promise<void> {
    const entry = this.entry(document)
    if (throughClock <= entry.snapshotClock) return
    entry.snapshot = snapshot.slice()
    entry.snapshotClock = throughClock
    entry.updates = entry.updates.filter((u) => u.clock > throughClock)
  }

  async createVersion(document: string, name: string, state: Uint8Array): Promise<DocumentVersion> {
    const entry = this.entry(document)
    if (entry.versions.has(name)) throw versionExists(document, name)
    const version = { name, createdAt: this.now(), bytes: state.length }
    entry.versions.set(name, { version, state: state.slice() })
    return version
  }

  async listVersions(document: string): Promise<DocumentVersion[]> {
    const entry = this.documents.get(document)
    return entry === undefined ? [] : [...entry.versions.values()].map((v) => v.version)
  }

  async readVersion(document: string, name: string): Promise<Uint8Array | undefined> {
    return this.documents.get(document)?.versions.get(name)?.state
  }

  async close(): Promise<void> {}

  private entry(document: string): MemoryDocument {
    let entry = this.documents.get(document)
    if (entry === undefined) {
      entry = { snapshot: undefined, snapshotClock: 0, updates: [], clock: 0, versions: new Map() }
      this.documents.set(document, entry)
    }
    return entry
  }
}

export function versionExists(document: string, name: string): SwitchboardError {
  return new SwitchboardError(
    ErrorCode.VersionExists,
    `document ${document} already has a version named ${name}; versions are immutable`,
  )
}
