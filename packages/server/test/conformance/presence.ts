/**
 * Conformance suite of the presence port (see src/ports/presence.ts for the guarantees).
 */
import assert from 'node:assert/strict'
import { after, beforeEach, describe, it } from 'node:test'
import type { PresenceStore } from '../../src/ports/presence.js'

export interface PresenceFixture {
  presence: PresenceStore
  cleanup(): Promise<void>
}

export function presenceConformance(name: string, create: () => Promise<PresenceFixture>): void {
  describe(`presence port: ${name}`, () => {
    let fixture: PresenceFixture
    let presence: PresenceStore
    let channel = ''
    let n = 0

    beforeEach(async () => {
      await fixture?.cleanup()
      fixture = await create()
      presence = fixture.presence
      channel = `conf:${process.pid}:${Date.now()}:${n++}`
    })
    after(async () => fixture?.cleanup())

    it('counts a user with several connections as one member', async () => {
      assert.deepEqual(await presence.join(channel, 'c1', { id: 'ann', info: { tab: 1 } }), {
        first: true,
      })
      assert.deepEqual(await presence.join(channel, 'c2', { id: 'ann', info: { tab: 2 } }), {
        first: false,
      })
      assert.deepEqual(await presence.join(channel, 'c3', { id: 'bob' }), { first: true })

      const members = await presence.members(channel)
      assert.deepEqual(
        members.sort((a, b) => a.id.localeCompare(b.id)),
        [{ id: 'ann', info: { tab: 2 } }, { id: 'bob' }],
      )
    })

    it('reports the last connection of a user leaving', async () => {
      await presence.join(channel, 'c1', { id: 'ann' })
      await presence.join(channel, 'c2', { id: 'ann' })
      assert.equal((await presence.leave(channel, 'c1')).last, false)
      const last = await presence.leave(channel, 'c2')
      assert.equal(last.last, true)
      assert.equal(last.member?.id, 'ann')
      assert.deepEqual(await presence.members(channel), [])
    })

    it('treats leaving without joining, and joining twice, as no-ops', async () => {
      assert.deepEqual(await presence.leave(channel, 'nobody'), { last: false })
      await presence.join(channel, 'c1', { id: 'ann' })
      assert.deepEqual(await presence.join(channel, 'c1', { id: 'ann' }), { first: false })
      assert.equal((await presence.leave(channel, 'c1')).last, true)
    })

    it('keeps channels apart', async () => {
      await presence.join(channel, 'c1', { id: 'ann' })
      assert.deepEqual(await presence.members(`${channel}-other`), [])
    })
  })
}
