/**
 * SQLite history: the embedded default. Streams, publications and idempotency keys live in
 * the embedded database, so history and epochs survive a restart.
 */
import type { StreamPosition } from '@switchboard/protocol'
import type {
  AppendOptions,
  AppendResult,
  HistoryStore,
  ReadOptions,
  ReadResult,
  StoredPublication,
} from '../ports/history.js'
import type { SqliteDatabase } from '../storage/sqlite.js'
import { isComplete, newEpoch } from './epoch.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS streams (
  channel TEXT PRIMARY KEY,
  epoch TEXT NOT NULL,
  top INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS publications (
  channel TEXT NOT NULL,
  offset INTEGER NOT NULL,
  event TEXT NOT NULL,
  data TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (channel, offset)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS publications_expiry ON publications (expires_at);
CREATE TABLE IF NOT EXISTS idempotency (
  channel TEXT NOT NULL,
  key TEXT NOT NULL,
  offset INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (channel, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_at);
`

/** @default 60_000 ms between sweeps of expired publications and idempotency keys. */
const SWEEP_INTERVAL_MS = 60_000
/** Epoch reported for channels that have no stream yet; offset 0 is valid in every epoch. */
const EMPTY_EPOCH = 'empty'

interface StreamRow {
  epoch: string
  top: number
}

export class SqliteHistory implements HistoryStore {
  private readonly appendTransaction: (
    channel: string,
    event: string,
    data: string,
    options: AppendOptions,
    now: number,
  ) => AppendResult
  private readonly statements
  private readonly sweepTimer: NodeJS.Timeout

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(SCHEMA)
    this.statements = {
      stream: db.prepare<[string], StreamRow>('SELECT epoch, top FROM streams WHERE channel = ?'),
      createStream: db.prepare('INSERT INTO streams (channel, epoch, top) VALUES (?, ?, 0)'),
      advance: db.prepare('UPDATE streams SET top = ? WHERE channel = ?'),
      insert: db.prepare(
        'INSERT INTO publications (channel, offset, event, data, expires_at) VALUES (?, ?, ?, ?, ?)',
      ),
      trim: db.prepare('DELETE FROM publications WHERE channel = ? AND offset <= ?'),
      seenKey: db.prepare<[string, string, number], { offset: number }>(
        'SELECT offset FROM idempotency WHERE channel = ? AND key = ? AND expires_at > ?',
      ),
      rememberKey: db.prepare(
        'INSERT OR REPLACE INTO idempotency (channel, key, offset, expires_at) VALUES (?, ?, ?, ?)',
      ),
      read: db.prepare<[string, number, number, number], StoredPublication>(
        `SELECT offset, event, data FROM publications
         WHERE channel = ? AND offset > ? AND expires_at > ? ORDER BY offset LIMIT ?`,
      ),
      sweepPublications: db.prepare('DELETE FROM publications WHERE expires_at <= ?'),
      sweepKeys: db.prepare('DELETE FROM idempotency WHERE expires_at <= ?'),
    }
    this.appendTransaction = db.transaction(this.appendNow.bind(this))
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS)
    this.sweepTimer.unref()
  }

  async append(
    channel: string,
    event: string,
    data: string,
    options: AppendOptions,
  ): Promise<AppendResult> {
    return this.appendTransaction(channel, event, data, options, this.now())
  }

  private appendNow(
    channel: string,
    event: string,
    data: string,
    options: AppendOptions,
    now: number,
  ): AppendResult {
    const s = this.statements
    let stream = s.stream.get(channel)
    if (stream === undefined) {
      stream = { epoch: newEpoch(), top: 0 }
      s.createStream.run(channel, stream.epoch)
    }

    const key = options.idempotencyKey
    if (key !== undefined) {
      const seen = s.seenKey.get(channel, key, now)
      if (seen !== undefined) return { offset: seen.offset, epoch: stream.epoch, duplicate: true }
    }

    const offset = stream.top + 1
    s.advance.run(offset, channel)
    if (options.historySize > 0) {
      s.insert.run(channel, offset, event, data, now + options.historyTtlMs)
      if (offset > options.historySize) s.trim.run(channel, offset - options.historySize)
    }
    if (key !== undefined)
      s.rememberKey.run(channel, key, offset, now + options.idempotencyWindowMs)
    return { offset, epoch: stream.epoch, duplicate: false }
  }

  async read(channel: string, options: ReadOptions): Promise<ReadResult> {
    const stream = this.statements.stream.get(channel)
    if (stream === undefined) {
      const position = { offset: 0, epoch: EMPTY_EPOCH }
      return { publications: [], position, complete: options.afterOffset === 0 }
    }

    const publications = this.statements.read.all(
      channel,
      options.afterOffset,
      this.now(),
      options.limit,
    )
    // With limit 0 nothing is returned; completeness still needs the first kept offset.
    const first =
      publications[0]?.offset ??
      this.statements.read.get(channel, options.afterOffset, this.now(), 1)?.offset
    const position = { offset: stream.top, epoch: stream.epoch }
    return { publications, position, complete: isComplete(options.afterOffset, first, stream.top) }
  }

  async position(channel: string): Promise<StreamPosition> {
    const stream = this.statements.stream.get(channel)
    if (stream === undefined) return { offset: 0, epoch: EMPTY_EPOCH }
    return { offset: stream.top, epoch: stream.epoch }
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer)
  }

  sweep(): void {
    const now = this.now()
    this.statements.sweepPublications.run(now)
    this.statements.sweepKeys.run(now)
  }
}
