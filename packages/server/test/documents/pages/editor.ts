/** Test page: a textarea editor bound to the Y.Text `t` of one document over y-websocket. */
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { bindTextarea } from '../../../../../examples/collab-editor/textarea-binding.js'

const params = new URLSearchParams(location.search)
const doc = new Y.Doc()
const provider = new WebsocketProvider(params.get('server')!, params.get('doc')!, doc)
const area = document.querySelector('textarea')!
bindTextarea(doc.getText('t'), area)
;(window as unknown as { editor: unknown }).editor = { provider, doc }
