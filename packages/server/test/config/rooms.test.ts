/** The `rooms` options: storage defaults, PostgreSQL settings checked at start. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, resolveOptions } from '../../src/config/load.js'

describe('rooms config', () => {
  it('keeps room storage in the embedded storage by default', () => {
    const rooms = resolveOptions({}).rooms
    assert.equal(rooms.store, 'embedded')
    assert.equal(rooms.postgresSchema, 'public')
    assert.equal(rooms.postgresUrl, undefined)
  })

  it('takes a PostgreSQL url and schema', () => {
    const rooms = resolveOptions({
      rooms: { store: 'postgres', postgresUrl: 'postgres://db/app', postgresSchema: 'rooms' },
    }).rooms
    assert.deepEqual(
      [rooms.store, rooms.postgresUrl, rooms.postgresSchema, rooms.idleEvictMs],
      ['postgres', 'postgres://db/app', 'rooms', 30_000],
    )
  })

  it('fails at start on postgres without a url, or a schema name PostgreSQL would not take', () => {
    const refused = (rooms: unknown, message: RegExp) =>
      assert.throws(
        () => resolveOptions({ rooms }),
        (error: Error) => {
          assert.ok(error instanceof ConfigError)
          assert.match(error.message, message)
          return true
        },
      )
    refused({ store: 'postgres' }, /rooms\.store is "postgres" but rooms\.postgresUrl is not set/)
    refused(
      { store: 'postgres', postgresUrl: 'postgres://db/app', postgresSchema: 'My-Rooms' },
      /rooms\.postgresSchema/,
    )
    refused({ store: 'redis' }, /rooms\.store must be equal to one of the allowed values/)
  })
})
