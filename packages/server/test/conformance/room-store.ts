/** Conformance suite of the room store port (see src/ports/room-store.ts). */
import assert from 'node:assert/strict'
import { after, beforeEach, describe, it } from 'node:test'
import { ErrorCode } from '@switchboard/protocol'
import { SwitchboardError } from '../../src/errors.js'
import type { RoomStore, RoomWrite } from '../../src/ports/room-store.js'

export interface RoomStoreFixture {
  store: RoomStore
  reopen?: () => Promise<RoomStore>
  /**
   * Another handle on the same data, as a second node has (own connection or pool); the
   * fixture's cleanup closes it. Without it the concurrency cases share `store`.
   */
  openPeer?: () => Promise<RoomStore>
  cleanup(): Promise<void>
}

const put = (key: string, value: string): RoomWrite => ({ puts: [[key, value]], deletes: [] })

function fenced(error: unknown): boolean {
  assert.ok(error instanceof SwitchboardError, `a SwitchboardError, got ${String(error)}`)
  assert.equal(error.code, ErrorCode.RoomFenced)
  return true
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
      await store.write(
        'game/1',
        {
          puts: [
            ['b', '2'],
            ['a', '1'],
            ['c', '3'],
          ],
          deletes: [],
        },
        0,
      )
      await store.write('game/1', { puts: [['d', '4']], deletes: ['c', 'missing'] }, 0)
      await store.write('game/2', put('a', '"other"'), 0)
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
      await store.deleteAll('game/1', 0)
      assert.deepEqual(await store.list('game/1', '', 10), [])
      assert.equal(await store.get('game/2', 'a'), '"other"')
    })

    it('applies deletes before puts, so a key in both is put', async () => {
      await store.write('game/1', put('a', '1'), 0)
      await store.write('game/1', { puts: [['a', '2']], deletes: ['a'] }, 0)
      assert.equal(await store.get('game/1', 'a'), '2')
    })

    it('keeps one alarm per room and lists due ones earliest first', async () => {
      await store.setAlarm('r/1', 300, 0)
      await store.setAlarm('r/1', 200, 0)
      await store.setAlarm('r/2', 100, 0)
      await store.setAlarm('r/3', 900, 0)
      assert.equal(await store.getAlarm('r/1'), 200)
      assert.deepEqual(await store.dueAlarms(500, 10), [
        { room: 'r/2', atMs: 100 },
        { room: 'r/1', atMs: 200 },
      ])
      assert.deepEqual(await store.dueAlarms(500, 1), [{ room: 'r/2', atMs: 100 }])
      await store.deleteAlarm('r/2', 0)
      assert.deepEqual(await store.dueAlarms(500, 10), [{ room: 'r/1', atMs: 200 }])
      assert.equal(await store.getAlarm('r/2'), undefined)
    })

    it('keeps storage, alarms and fences across a reopen, if durable', async (t) => {
      if (fixture.reopen === undefined) {
        t.skip('not a durable implementation')
        return
      }
      await store.write('game/1', put('score', '42'), 3)
      await store.setAlarm('game/1', 1234, 3)
      store = await fixture.reopen()
      assert.equal(await store.get('game/1', 'score'), '42')
      assert.equal(await store.getAlarm('game/1'), 1234)
      await assert.rejects(store.write('game/1', put('score', '0'), 2), fenced)
      assert.equal(await store.get('game/1', 'score'), '42')
    })

    it('refuses every mutation below the highest fence and changes nothing', async () => {
      await store.write(
        'game/1',
        {
          puts: [
            ['gold', '10'],
            ['sword', '5'],
          ],
          deletes: [],
        },
        7,
      )
      await store.setAlarm('game/1', 500, 7)

      await assert.rejects(
        store.write(
          'game/1',
          {
            puts: [
              ['gold', '0'],
              ['shield', '1'],
            ],
            deletes: ['sword'],
          },
          6,
        ),
        fenced,
      )
      await assert.rejects(store.deleteAll('game/1', 0), fenced)
      await assert.rejects(store.setAlarm('game/1', 100, 6), fenced)
      await assert.rejects(store.deleteAlarm('game/1', 6), fenced)

      assert.deepEqual(await store.list('game/1', '', 10), [
        ['gold', '10'],
        ['sword', '5'],
      ])
      assert.equal(await store.getAlarm('game/1'), 500)
      assert.deepEqual(await store.dueAlarms(1_000, 10), [{ room: 'game/1', atMs: 500 }])
    })

    it('lets equal and higher fences through, each raising the bar', async () => {
      await store.write('game/1', put('owner', '"a"'), 2)
      await store.write('game/1', put('owner', '"a again"'), 2)
      await store.setAlarm('game/1', 100, 2)
      await store.deleteAlarm('game/1', 2)
      await store.write('game/1', put('owner', '"b"'), 5)
      await assert.rejects(store.write('game/1', put('owner', '"a late"'), 2), fenced)
      assert.equal(await store.get('game/1', 'owner'), '"b"')

      // An empty write and deleteAll raise it too; deleteAll does not forget it.
      await store.write('game/1', { puts: [], deletes: ['missing'] }, 8)
      await assert.rejects(store.write('game/1', put('owner', '"b late"'), 5), fenced)
      await store.deleteAll('game/1', 9)
      await assert.rejects(store.setAlarm('game/1', 100, 8), fenced)
      assert.deepEqual(await store.list('game/1', '', 10), [])
      assert.equal(await store.getAlarm('game/1'), undefined)
    })

    it('keeps a fence per room', async () => {
      await store.write('game/1', put('a', '1'), 100)
      await store.write('game/2', put('a', '2'), 1)
      await store.setAlarm('game/3', 100, 0)
      assert.equal(await store.get('game/2', 'a'), '2')
      await assert.rejects(store.write('game/1', put('a', '3'), 1), fenced)
    })

    it('refuses a fence that is not a non-negative safe integer', async () => {
      for (const fence of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
        await assert.rejects(store.write('game/1', put('a', '1'), fence), (error) => {
          assert.ok(error instanceof SwitchboardError)
          assert.equal(error.code, ErrorCode.BadRequest)
          return true
        })
      }
      assert.equal(await store.get('game/1', 'a'), undefined)
      await store.write('game/1', put('a', '1'), Number.MAX_SAFE_INTEGER)
      await assert.rejects(store.write('game/1', put('a', '2'), 2 ** 52), fenced)
    })

    it('lets a lower fence racing a higher one land only before it', async () => {
      const peer = (await fixture.openPeer?.()) ?? store
      for (let round = 0; round < 20; round++) {
        const room = `race/${round}`
        // The old owner (fence 1) and the new one (fence 2), from two nodes at once.
        const [stale, current] = await Promise.allSettled([
          store.write(
            room,
            {
              puts: [
                ['owner', '"old"'],
                [`old`, '1'],
              ],
              deletes: [],
            },
            1,
          ),
          peer.write(
            room,
            {
              puts: [
                ['owner', '"new"'],
                [`new`, '1'],
              ],
              deletes: [],
            },
            2,
          ),
        ])
        assert.equal(current.status, 'fulfilled', 'the higher fence always writes')
        if (stale.status === 'rejected') fenced(stale.reason)
        const entries = new Map(await store.list(room, '', 10))
        assert.equal(entries.get('owner'), '"new"', 'a lower fence never lands after a higher')
        assert.equal(entries.has('old'), stale.status === 'fulfilled', 'all or nothing')
        await assert.rejects(store.write(room, put('owner', '"late"'), 1), fenced)
        await assert.rejects(store.setAlarm(room, 1, 1), fenced)
      }
    })

    it('serialises the fence check of many concurrent mutations of one room', async () => {
      const peer = (await fixture.openPeer?.()) ?? store
      const fences = Array.from({ length: 30 }, (_, i) => i)
      // Each writes its fence as the value; only fences at or above every earlier one land.
      const outcomes = await Promise.allSettled(
        fences.map((fence) =>
          (fence % 2 === 0 ? store : peer).write('race/many', put('last', String(fence)), fence),
        ),
      )
      outcomes.forEach((outcome) => {
        if (outcome.status === 'rejected') fenced(outcome.reason)
      })
      assert.equal(outcomes.at(-1)?.status, 'fulfilled', 'the highest fence writes')
      assert.equal(await store.get('race/many', 'last'), '29')
    })
  })
}
