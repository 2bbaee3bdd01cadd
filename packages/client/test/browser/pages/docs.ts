/**
 * A tab that opens one document with `@switchboard/client/yjs` and lets the test type into it
 * and read it, for the multi-tab document tests. Query: `server`, `doc`, `user`.
 */
import { createClient } from '@switchboard/client/yjs'

const params = new URLSearchParams(location.search)
const client = createClient({ url: params.get('server')! })
let provider = client.doc(params.get('doc') ?? 'tabs:doc')
provider.awareness.setLocalStateField('user', params.get('user') ?? 'tab')
const errors: string[] = []
provider.on('error', (error) => errors.push(error.code))

const sb = {
  client,
  errors,
  get provider() {
    return provider
  },
  text: () => provider.doc.getText('t').toString(),
  insert: (text: string) => {
    const t = provider.doc.getText('t')
    t.insert(t.length, text)
  },
  users: () =>
    [...provider.awareness.getStates().values()].map((state) => (state as { user?: string }).user),
  synced: () => provider.synced,
  destroy: () => provider.destroy(),
  reopen: () => {
    provider = client.doc(params.get('doc') ?? 'tabs:doc')
  },
}
Object.assign(window, { sb })
