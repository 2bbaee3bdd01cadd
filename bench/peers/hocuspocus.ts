/**
 * Peer: `@hocuspocus/server` with its defaults and no extension (documents in memory only, so
 * it does no storage work; Switchboard appends every update to SQLite before relaying it).
 */
import { Server } from '@hocuspocus/server'
import { PEER_HOST, listenPort } from './listen-port.js'

const server = new Server({ port: listenPort(), address: PEER_HOST, quiet: true })
await server.listen()
process.stdout.write(`listening on ${PEER_HOST}\n`)
