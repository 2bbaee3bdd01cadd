/** Real y-websocket providers (Node, `ws` as the WebSocket) connected to a test server. */
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { DocumentRelay } from '../../src/ports/documents.js'
import { API_KEY, startServer, type TestServer } from './server.js'
import { tempDir } from './tmp.js'
import { waitFor } from './wait.js'

export interface TestProvider {
  doc: Y.Doc
  provider: WebsocketProvider
  text: Y.Text
  destroy(): void
}

/** A provider on `/docs/{name}` of the server at `port`; `params` go into the query string. */
export function connectProvider(
  port: number,
  name: string,
  params: Record<string, string> = {},
): TestProvider {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/docs`, name, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params,
    disableBc: true,
  })
  return {
    doc,
    provider,
    text: doc.getText('t'),
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}

export async function waitSynced(...providers: TestProvider[]): Promise<void> {
  await waitFor(() => providers.every((p) => p.provider.synced), {
    message: 'the providers to sync',
  })
}

export async function waitText(provider: TestProvider, text: string, timeoutMs = 10_000) {
  await waitFor(() => provider.text.toString() === text, {
    timeoutMs,
    message: `text "${text}" (have "${provider.text.toString()}")`,
  })
}

/** The Y.Text `t` of a document, read through the HTTP API. */
export async function contentOf(server: { url: string }, name: string): Promise<unknown> {
  const response = await fetch(`${server.url}/v1/documents/${encodeURIComponent(name)}`, {
    headers: { Authorization: `Bearer ${API_KEY}` },
  })
  const body = (await response.json()) as any
  return body.content?.t
}

/** POSTs a binary update through the HTTP API. */
export async function postUpdate(server: { url: string }, name: string, update: Uint8Array) {
  const response = await fetch(`${server.url}/v1/documents/${encodeURIComponent(name)}/updates`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/octet-stream' },
    body: update as unknown as BodyInit,
  })
  return { status: response.status, body: (await response.json()) as any }
}

/**
 * Servers sharing one SQLite database, each with one of `relays`, as the nodes of a cluster
 * are joined by a broker. `open` connects a provider to a node; `stop` destroys the providers,
 * stops the servers and removes the database.
 */
export async function startRelayedNodes(relays: DocumentRelay[]): Promise<{
  nodes: TestServer[]
  open(node: TestServer, name: string): TestProvider
  stop(): Promise<void>
}> {
  const tmp = tempDir()
  const config = { storage: 'sqlite', dataDir: tmp.dir }
  const nodes: TestServer[] = []
  for (const documentRelay of relays) nodes.push(await startServer(config, { documentRelay }))
  const providers: TestProvider[] = []
  return {
    nodes,
    open: (node, name) => {
      const provider = connectProvider(node.port, name)
      providers.push(provider)
      return provider
    },
    stop: async () => {
      for (const provider of providers) provider.destroy()
      for (const node of nodes) await node.stop()
      tmp.remove()
    },
  }
}
