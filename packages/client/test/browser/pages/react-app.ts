/**
 * A React page on the hooks, in strict mode (effects mount, unmount and mount again, which
 * must not duplicate anything): connection state, live messages and presence of `room`, a
 * button that moves the component to the `lobby` channel and one that unmounts it.
 */
import { createClient } from '@switchboard/client'
import {
  SwitchboardProvider,
  useChannel,
  useConnectionState,
  usePresence,
} from '@switchboard/react'
import { StrictMode, createElement as h, useState } from 'react'
import { createRoot } from 'react-dom/client'

const params = new URLSearchParams(location.search)
const client = createClient({ url: params.get('server')! })

function Room(props: { name: string }) {
  const [texts, setTexts] = useState<string[]>([])
  useChannel<{ text: string }>(props.name, (message) => {
    setTexts((list) => [...list, message.data.text])
  })
  const members = usePresence(props.name)
  return h(
    'section',
    null,
    h('ul', { id: 'messages' }, ...texts.map((text, i) => h('li', { key: i }, text))),
    h('ul', { id: 'members' }, ...members.map((m) => h('li', { key: m.id }, m.id))),
  )
}

function App() {
  const state = useConnectionState()
  const [shown, setShown] = useState(true)
  const [name, setName] = useState('room')
  return h(
    'main',
    null,
    h('p', { id: 'state' }, state),
    h('button', { id: 'toggle', onClick: () => setShown((s) => !s) }, 'toggle room'),
    h('button', { id: 'switch', onClick: () => setName('lobby') }, 'go to the lobby'),
    shown ? h(Room, { name }) : null,
  )
}

createRoot(document.getElementById('root')!).render(
  h(StrictMode, null, h(SwitchboardProvider, { client }, h(App))),
)
Object.assign(window, { sb: { client } })
