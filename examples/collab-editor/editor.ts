/**
 * The editor page: a textarea bound to the document's Y.Text, and the people on it (awareness).
 * Everything collaborative is the stock y-websocket provider talking to Switchboard.
 */
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { bindTextarea } from './textarea-binding.js'

const params = new URLSearchParams(location.search)
const documentName = params.get('doc') ?? 'notes:welcome'
const server = `ws://${location.hostname}:${params.get('port') ?? '8080'}/docs`

const doc = new Y.Doc()
const provider = new WebsocketProvider(server, documentName, doc)
bindTextarea(doc.getText('text'), document.querySelector('textarea')!)

const colours = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#008080']
const me = {
  name: `guest-${Math.floor(Math.random() * 1000)}`,
  colour: colours[Math.floor(Math.random() * colours.length)],
}
provider.awareness.setLocalStateField('user', me)

const people = document.querySelector('#people')!
const status = document.querySelector('#status')!
provider.awareness.on('change', () => {
  const users = [...provider.awareness.getStates().values()]
    .map((state) => state.user as typeof me | undefined)
    .filter((user) => user !== undefined)
  people.replaceChildren(
    ...users.map((user) => {
      const item = document.createElement('li')
      item.textContent = user.name === me.name ? `${user.name} (you)` : user.name
      item.style.color = user.colour ?? 'black'
      return item
    }),
  )
})
provider.on('sync', (synced: boolean) => {
  status.textContent = synced ? `synced: ${documentName}` : 'syncing...'
})
provider.on('status', ({ status: state }: { status: string }) => {
  if (state !== 'connected') status.textContent = state
})
