/**
 * `ctx.storage` semantics over the room store: JSON values, transactions all or nothing, and
 * writes of a node that lost the room refused.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode } from '@switchboard/protocol'
import { MemoryRoomStore } from '../../src/rooms/store/memory.js'
import { RoomStorageImpl } from '../../src/rooms/storage.js'

describe('room storage', () => {
  it('applies a transaction at once when it resolves, and nothing when it throws', async () => {
    const storage = new RoomStorageImpl(new MemoryRoomStore(), 'game/1', 1024, 0)
    await storage.put('gold', 10)
    await storage.transaction(async (txn) => {
      await txn.put('gold', ((await txn.get<number>('gold')) ?? 0) - 3)
      await txn.put('sword', { damage: 5 })
      assert.equal(await txn.get('gold'), 7, 'reads inside see buffered writes')
      assert.equal(await storage.get('gold'), 10, 'others do not, until it resolves')
    })
    assert.deepEqual(
      [...(await storage.list())],
      [
        ['gold', 7],
        ['sword', { damage: 5 }],
      ],
    )

    await assert.rejects(
      storage.transaction(async (txn) => {
        await txn.delete('sword')
        await txn.put('gold', 0)
        throw new Error('abort')
      }),
      /abort/,
    )
    assert.deepEqual(
      [...(await storage.list())],
      [
        ['gold', 7],
        ['sword', { damage: 5 }],
      ],
    )
  })

  it('refuses values over rooms.maxValueBytes, naming the option', async () => {
    const storage = new RoomStorageImpl(new MemoryRoomStore(), 'game/1', 1024, 0)
    await assert.rejects(storage.put('big', 'x'.repeat(2_000)), /rooms\.maxValueBytes/)
    assert.equal(await storage.delete('missing'), false)
  })

  it('refuses the writes of an old owner once a newer one wrote, keeping its data', async () => {
    const store = new MemoryRoomStore()
    const old = new RoomStorageImpl(store, 'game/1', 1024, 1)
    const current = new RoomStorageImpl(store, 'game/1', 1024, 2)
    await old.put('gold', 10)
    await current.put('gold', 20)

    const fenced = { code: ErrorCode.RoomFenced }
    await assert.rejects(old.put('gold', 0), fenced)
    await assert.rejects(old.delete('gold'), fenced)
    await assert.rejects(
      old.transaction(async (txn) => txn.put('gold', 1)),
      fenced,
    )
    await assert.rejects(old.setAlarm(Date.now()), fenced)
    assert.equal(await old.get('gold'), 20, 'reads still work, and see the new owner')
    assert.equal(await old.getAlarm(), undefined)
  })
})
