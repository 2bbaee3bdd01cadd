/** The relay of a single node: there is no other node, so nothing is carried anywhere. */
import type { DocumentRelay } from '../../ports/documents.js'

export class LocalDocumentRelay implements DocumentRelay {
  setHandler(): void {}
  async subscribe(): Promise<void> {}
  async unsubscribe(): Promise<void> {}
  async publishUpdate(): Promise<void> {}
  async publishAwareness(): Promise<void> {}
  async close(): Promise<void> {}
}
