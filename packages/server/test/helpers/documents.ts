/** Real y-websocket providers (Node, `ws` as the WebSocket) connected to a test server. */
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
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
