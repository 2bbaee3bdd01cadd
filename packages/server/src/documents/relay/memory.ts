/**
 * An in-process relay connecting several servers in one process (the reference behaviour of
 * the relay port, and how tests run a cluster without a broker): each server gets an endpoint
 * of one shared `MemoryDocumentRelayHub`.
 */
import type { DocumentRelay, DocumentRelayHandler } from '../../ports/documents.js'

export class MemoryDocumentRelayHub {
  private readonly endpoints = new Set<MemoryDocumentRelay>()

  /** A relay for one more node. */
  endpoint(): MemoryDocumentRelay {
    const endpoint = new MemoryDocumentRelay(this.endpoints)
    this.endpoints.add(endpoint)
    return endpoint
  }
}

export class MemoryDocumentRelay implements DocumentRelay {
  private handler: DocumentRelayHandler | undefined
  private readonly documents = new Set<string>()

  constructor(private readonly endpoints: Set<MemoryDocumentRelay>) {}

  setHandler(handler: DocumentRelayHandler): void {
    this.handler = handler
  }

  async subscribe(document: string): Promise<void> {
    this.documents.add(document)
  }

  async unsubscribe(document: string): Promise<void> {
    this.documents.delete(document)
  }

  async publishUpdate(document: string, update: Uint8Array, clock: number): Promise<void> {
    for (const other of this.others(document)) {
      const copy = update.slice()
      queueMicrotask(() => other.handler?.onUpdate(document, copy, clock))
    }
  }

  async publishAwareness(document: string, update: Uint8Array): Promise<void> {
    for (const other of this.others(document)) {
      const copy = update.slice()
      queueMicrotask(() => other.handler?.onAwareness(document, copy))
    }
  }

  async close(): Promise<void> {
    this.endpoints.delete(this)
    this.documents.clear()
  }

  private others(document: string): MemoryDocumentRelay[] {
    return [...this.endpoints].filter((e) => e !== this && e.documents.has(document))
  }
}
