/** Conformance suite of the room store port (see src/ports/room-store.ts). */
import assert from 'node:assert/strict'
import { after, beforeEach, describe, it } from 'node:test'
import type { RoomStore } from '../../src/ports/room-store.js'

export interface RoomStoreFixture {
  store: RoomStore
  reopen?: () => Promise<RoomStore>
  cleanup(): Promise<void>
}

export function roomStoreConformance(name: string, create: () => Promise<RoomStoreFixture>): void {
  describe(`room store port: ${name}`, () => {
    let fixture: RoomStoreFixture
    let store: RoomStore

    beforeEach(async () => {
      await fixture?.cleanup()
      fixture = await create()
      store = fixture.store
    })
    after(async () => fixture?.cleanup())

    it('writes puts and deletes together, per room, and lists keys in order', async () => {
      await store.write('game/1', {
        puts: [
          ['b', '2'],
          ['a', '1'],
          ['c', '3'],
        ],
        deletes: [],
      })
      await store.write('game/1', { puts: [['d', '4']], deletes: ['c', 'missing'] })
      await store.write('game/2', { puts: [['a', '"other"']], deletes: [] })
      assert.deepEqual(await store.list('game/1', '', 10), [
        ['a', '1'],
        ['b', '2'],
        ['d', '4'],
      ])
      assert.deepEqual(await store.list('game/1', 'b', 10), [['b', '2']])
      assert.deepEqual(await store.list('game/1', '', 2), [
        ['a', '1'],
        ['b', '2'],
      ])
      assert.equal(await store.get('game/2', 'a'), '"other"')
      assert.equal(await store.get('game/1', 'c'), undefined)
      await store.deleteAll('game/1')
      assert.deepEqual(await store.list('game/1', '', 10), [])
      assert.equal(await store.get('game/2', 'a'), '"other"')
    })

    it('keeps one alarm per room and lists due ones earliest first', async () => {
      await store.setAlarm('r/1', 300)
      await store.setAlarm('r/1', 200)
      await store.setAlarm('r/2', 100)
      await store.setAlarm('r/3', 900)
      assert.equal(await store.getAlarm('r/1'), 200)
      assert.deepEqual(await store.dueAlarms(500, 10), [
        { room: 'r/2', atMs: 100 },
        { room: 'r/1', atMs: 200 },
      ])
      await store.deleteAlarm('r/2')
      assert.deepEqual(await store.dueAlarms(500, 10), [{ room: 'r/1', atMs: 200 }])
      assert.equal(await store.getAlarm('r/2'), undefined)
    })

    it('keeps storage and alarms across a reopen, if durable', async (t) => {
      if (fixture.reopen === undefined) {
        t.skip('not a durable implementation')
        return
      }
      await store.write('game/1', { puts: [['score', '42']], deletes: [] })
      await store.setAlarm('game/1', 1234)
      store = await fixture.reopen()
      assert.equal(await store.get('game/1', 'score'), '42')
      assert.equal(await store.getAlarm('game/1'), 1234)
    })
  })
}
