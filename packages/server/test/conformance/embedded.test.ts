/** Runs every port's conformance suite against the embedded implementations. */
import { MemoryBroker } from '../../src/broker/memory.js'
import { MemoryConnectionCounter } from '../../src/counter/memory.js'
import {
  MemoryDocumentRelayHub,
  type MemoryDocumentRelay,
} from '../../src/documents/relay/memory.js'
import { MemoryDocumentStore } from '../../src/documents/store/memory.js'
import { SqliteDocumentStore } from '../../src/documents/store/sqlite.js'
import { MemoryHistory } from '../../src/history/memory.js'
import { SqliteHistory } from '../../src/history/sqlite.js'
import { MemoryPresence } from '../../src/presence/memory.js'
import { MemoryRouter, MemoryRouterNetwork } from '../../src/router/memory.js'
import { openDatabase, type SqliteDatabase } from '../../src/storage/sqlite.js'
import { MemoryStore } from '../../src/store/memory.js'
import { SqliteStore } from '../../src/store/sqlite.js'
import { MemoryRoomStore } from '../../src/rooms/store/memory.js'
import { SqliteRoomStore } from '../../src/rooms/store/sqlite.js'
import { tempDir } from '../helpers/tmp.js'
import { brokerConformance } from './broker.js'
import { connectionCounterConformance } from './connection-counter.js'
import { historyConformance } from './history.js'
import { presenceConformance } from './presence.js'
import { documentRelayConformance } from './document-relay.js'
import { documentStoreConformance } from './documents.js'
import { roomStoreConformance } from './room-store.js'
import { routerConformance } from './router.js'
import { storeConformance } from './store.js'

/** A clock the test moves by hand, so TTL tests take no real time. */
function fakeClock() {
  let now = Date.now()
  return { now: () => now, advance: async (ms: number) => void (now += ms) }
}

historyConformance('memory', async () => {
  const clock = fakeClock()
  const store = new MemoryHistory(clock.now)
  return { store, advance: clock.advance, cleanup: () => store.close() }
})

historyConformance('sqlite', async () => {
  const clock = fakeClock()
  const tmp = tempDir()
  let db: SqliteDatabase = openDatabase(tmp.dir)
  let store = new SqliteHistory(db, clock.now)
  return {
    store,
    advance: clock.advance,
    reopen: async () => {
      await store.close()
      db.close()
      db = openDatabase(tmp.dir)
      store = new SqliteHistory(db, clock.now)
      return store
    },
    cleanup: async () => {
      await store.close()
      db.close()
      tmp.remove()
    },
  }
})

brokerConformance('memory broker over memory history', async () => {
  const broker = new MemoryBroker(new MemoryHistory())
  return { broker, cleanup: () => broker.close() }
})

brokerConformance('memory broker over sqlite history', async () => {
  const tmp = tempDir()
  const db = openDatabase(tmp.dir)
  const broker = new MemoryBroker(new SqliteHistory(db))
  return {
    broker,
    cleanup: async () => {
      await broker.close()
      db.close()
      tmp.remove()
    },
  }
})

presenceConformance('memory', async () => {
  const presence = new MemoryPresence()
  return { presence, cleanup: () => presence.close() }
})

storeConformance('memory', async () => {
  const store = new MemoryStore()
  return { store, cleanup: () => store.close() }
})

storeConformance('sqlite', async () => {
  const tmp = tempDir()
  let db = openDatabase(tmp.dir)
  const store = new SqliteStore(db)
  return {
    store,
    reopen: async () => {
      db.close()
      db = openDatabase(tmp.dir)
      return new SqliteStore(db)
    },
    cleanup: async () => {
      db.close()
      tmp.remove()
    },
  }
})

roomStoreConformance('memory', async () => {
  const store = new MemoryRoomStore()
  return { store, cleanup: () => store.close() }
})

roomStoreConformance('sqlite', async () => {
  const tmp = tempDir()
  let db = openDatabase(tmp.dir)
  const peers: SqliteDatabase[] = []
  return {
    store: new SqliteRoomStore(db),
    reopen: async () => {
      db.close()
      db = openDatabase(tmp.dir)
      return new SqliteRoomStore(db)
    },
    // A second connection to the same file, as a second process would open.
    openPeer: async () => {
      const peer = openDatabase(tmp.dir)
      peers.push(peer)
      return new SqliteRoomStore(peer)
    },
    cleanup: async () => {
      for (const peer of peers) peer.close()
      db.close()
      tmp.remove()
    },
  }
})

routerConformance('memory', async () => {
  const network = new MemoryRouterNetwork()
  const nodes: [MemoryRouter, MemoryRouter] = [new MemoryRouter(network), new MemoryRouter(network)]
  return { nodes, cleanup: async () => void (await Promise.all(nodes.map((n) => n.close()))) }
})

documentStoreConformance('memory', async () => {
  const store = new MemoryDocumentStore()
  return { store, cleanup: () => store.close() }
})

documentStoreConformance('sqlite', async () => {
  const tmp = tempDir()
  let db = openDatabase(tmp.dir)
  let store = new SqliteDocumentStore(db)
  return {
    store,
    reopen: async () => {
      await store.close()
      db.close()
      db = openDatabase(tmp.dir)
      store = new SqliteDocumentStore(db)
      return store
    },
    cleanup: async () => {
      await store.close()
      db.close()
      tmp.remove()
    },
  }
})

documentRelayConformance('memory (in-process)', async () => {
  const hub = new MemoryDocumentRelayHub()
  const nodes: [MemoryDocumentRelay, MemoryDocumentRelay] = [hub.endpoint(), hub.endpoint()]
  return { nodes, cleanup: async () => void (await Promise.all(nodes.map((n) => n.close()))) }
})

connectionCounterConformance('memory', async () => {
  const counter = new MemoryConnectionCounter()
  return { nodes: [counter, counter], cleanup: () => counter.close() }
})
