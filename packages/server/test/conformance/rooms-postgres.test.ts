/**
 * The room store conformance suite against PostgreSQL (`PG_URL`, by default the local test
 * database). Each fixture uses a schema of its own and drops it after; its peer is a second
 * pool, as a second node has. Without a reachable database the suite is skipped locally but
 * fails in CI (`CI=true`).
 */
import { describe, it } from 'node:test'
import { PostgresRoomStore } from '../../src/rooms/store/postgres.js'
import { PG_URL, postgresUp, uniqueSchema } from '../helpers/postgres.js'
import { roomStoreConformance } from './room-store.js'

if (postgresUp) {
  roomStoreConformance('postgres', async () => {
    const schema = uniqueSchema()
    const open = () => PostgresRoomStore.open({ connectionString: PG_URL, schema })
    let store = await open()
    const peers: PostgresRoomStore[] = []
    return {
      store,
      reopen: async () => {
        await store.close()
        store = await open()
        return store
      },
      openPeer: async () => {
        const peer = await open()
        peers.push(peer)
        return peer
      },
      cleanup: async () => {
        await Promise.all(peers.map((peer) => peer.close()))
        await store.dropSchema()
        await store.close()
      },
    }
  })
} else if (process.env.CI === 'true') {
  describe('room store port: postgres', () => {
    it('needs PostgreSQL in CI', () => {
      throw new Error(`PostgreSQL is not reachable at ${PG_URL}; CI must provide it`)
    })
  })
} else {
  describe('room store port: postgres', () => {
    it('runs against PostgreSQL', (t) => t.skip(`PostgreSQL not reachable at ${PG_URL}`))
  })
}
