/** Conformance suite of the room lease port (see src/ports/room-lease.ts). */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import type { RoomLeases } from '../../src/ports/room-lease.js'
import { setTimeout as delay } from 'node:timers/promises'

export interface RoomLeaseFixture {
  /** The leases of two nodes, `a` and `b`, sharing one lease store, with leases of `ttlMs`. */
  nodes(ttlMs: number): { a: RoomLeases; b: RoomLeases }
  cleanup(): Promise<void>
}

export const LEASE_TTL_MS = 1_000

export function roomLeaseConformance(name: string, create: () => Promise<RoomLeaseFixture>): void {
  describe(`room lease port: ${name}`, () => {
    let fixture: RoomLeaseFixture | undefined
    afterEach(async () => fixture?.cleanup())

    /** Short leases, for the tests of expiry; long ones where expiry must not interfere. */
    async function open(ttlMs = LEASE_TTL_MS) {
      fixture = await create()
      return fixture.nodes(ttlMs)
    }

    it('gives a free lease to the first node and shows it to the others', async () => {
      const { a, b } = await open(60_000)
      assert.equal(await a.holder('game/1'), undefined)
      const taken = await a.acquire('game/1')
      assert.equal(taken.holder, 'a')
      assert.deepEqual(await b.acquire('game/1'), taken)
      assert.deepEqual(await a.acquire('game/1'), taken, 'acquiring again keeps the lease')
      assert.equal(await b.holder('game/1'), 'a')
      assert.equal((await b.acquire('game/2')).holder, 'b', 'leases are per room')
    })

    it('lets exactly one of two racing nodes take a lease', async () => {
      const { a, b } = await open(60_000)
      const leases = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).acquire('race/1')),
      )
      assert.equal(new Set(leases.map((l) => `${l.holder}|${l.fence}`)).size, 1)
    })

    it('renews only the holder, and moves an unrenewed lease with a higher fence', async () => {
      const { a, b } = await open()
      const first = await a.acquire('game/1')
      await delay(LEASE_TTL_MS / 2)
      assert.equal(await a.renew('game/1', first.fence), true)
      assert.equal(await b.renew('game/1', first.fence), false)
      await delay(LEASE_TTL_MS / 2 + 50)
      assert.equal((await b.acquire('game/1')).holder, 'a', 'the renewal extended the lease')

      await delay(LEASE_TTL_MS + 100)
      const second = await b.acquire('game/1')
      assert.equal(second.holder, 'b')
      assert.ok(second.fence > first.fence)
      assert.equal(await a.renew('game/1', first.fence), false, 'the old holder lost it')
      assert.equal(await a.holder('game/1'), 'b')
    })

    it('releases only for the holder with its fence, and never reuses a fence', async () => {
      const { a, b } = await open(60_000)
      const first = await a.acquire('game/1')
      await b.release('game/1', first.fence)
      await a.release('game/1', first.fence + 1)
      assert.equal(await b.holder('game/1'), 'a')
      await a.release('game/1', first.fence)
      assert.equal(await b.holder('game/1'), undefined)
      const second = await b.acquire('game/1')
      assert.deepEqual([second.holder, second.fence > first.fence], ['b', true])
    })
  })
}
