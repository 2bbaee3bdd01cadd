/**
 * Time to load a document whose history holds many updates, through the server's own load path
 * (the document service over the SQLite store), before and after compaction.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import * as Y from 'yjs'
import { DEFAULT_DOCUMENT_OPTIONS } from '../../packages/server/src/config/defaults.js'
import { LocalDocumentRelay } from '../../packages/server/src/documents/relay/local.js'
import { DocumentService } from '../../packages/server/src/documents/service.js'
import { SqliteDocumentStore } from '../../packages/server/src/documents/store/sqlite.js'
import { openDatabase } from '../../packages/server/src/storage/sqlite.js'

export interface LoadTimeResult {
  updates: number
  beforeMs: number
  afterMs: number
  logBytes: number
  snapshotBytes: number
}

/** Typing by 10 authors taking turns, one character per update, some of it deleted again. */
function history(updates: number): Uint8Array[] {
  const authors = Array.from({ length: 10 }, () => new Y.Doc())
  const log: Uint8Array[] = []
  for (const author of authors) author.on('update', (u: Uint8Array) => log.push(u))
  for (let i = 0; log.length < updates; i++) {
    const author = authors[i % authors.length]!
    const text = author.getText('t')
    if (i % 10 === 9 && text.length > 0) text.delete(text.length - 1, 1)
    else text.insert(text.length, String.fromCharCode(97 + (i % 26)))
    // Each author sees the others' work now and then, as collaborators do.
    if (i % 100 === 99) {
      const merged = Y.mergeUpdates(log.slice(-100))
      for (const other of authors) Y.applyUpdate(other, merged, 'sync')
    }
  }
  return log.slice(0, updates)
}

async function timeLoad(store: SqliteDocumentStore, name: string): Promise<number> {
  const service = new DocumentService({
    store,
    relay: new LocalDocumentRelay(),
    options: { ...DEFAULT_DOCUMENT_OPTIONS, compactAfterUpdates: Number.MAX_SAFE_INTEGER },
    maxNameLength: 255,
    logger: pino({ level: 'silent' }),
  })
  const started = performance.now()
  await service.content(name)
  const elapsed = performance.now() - started
  await service.close()
  return elapsed
}

export async function measureLoadTime(updates: number): Promise<LoadTimeResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-bench-docs-'))
  const db = openDatabase(dir)
  try {
    const store = new SqliteDocumentStore(db)
    const log = history(updates)
    db.transaction(() => {
      for (const update of log) void store.append('bench:history', update)
    })()

    const beforeMs = await timeLoad(store, 'bench:history')
    const doc = new Y.Doc()
    for (const update of log) Y.applyUpdate(doc, update)
    const snapshot = Y.encodeStateAsUpdate(doc)
    await store.compact('bench:history', snapshot, log.length)
    const afterMs = await timeLoad(store, 'bench:history')
    return {
      updates: log.length,
      beforeMs,
      afterMs,
      logBytes: log.reduce((sum, u) => sum + u.length, 0),
      snapshotBytes: snapshot.length,
    }
  } finally {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
