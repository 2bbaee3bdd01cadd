import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Presence } from '../src/presence.js'
import type { Member } from '../src/types.js'

/** Presence whose member fetches the test answers one by one. */
function presence() {
  const answers: Array<(members: Member[]) => void> = []
  const subject = new Presence(() => new Promise((resolve) => answers.push(resolve)))
  const ids = () => subject.members.map((m) => m.id).sort()
  return { subject, answers, ids }
}

const push = (type: 'join' | 'leave', id: string) => ({ type, channel: 'c', member: { id } })

describe('presence list', () => {
  it('keeps a join that came while an older list was on its way', async () => {
    const { subject, answers, ids } = presence()
    const fetched = subject.fetch()
    subject.apply(push('join', 'b'))
    answers[0]!([{ id: 'a' }])
    await fetched
    assert.deepEqual(ids(), ['a', 'b'])
  })

  it('keeps a leave that came while an older list was on its way', async () => {
    const { subject, answers, ids } = presence()
    const fetched = subject.fetch()
    subject.apply(push('leave', 'a'))
    answers[0]!([{ id: 'a' }, { id: 'b' }])
    await fetched
    assert.deepEqual(ids(), ['b'])
  })

  it('ignores an answer older than the latest fetch', async () => {
    const { subject, answers, ids } = presence()
    const changes: string[][] = []
    subject.on('change', (members) => changes.push(members.map((m) => m.id)))
    const older = subject.fetch()
    const newer = subject.fetch()
    answers[1]!([{ id: 'new' }])
    await newer
    answers[0]!([{ id: 'old' }])
    await older
    assert.deepEqual(ids(), ['new'])
    assert.deepEqual(changes, [['new']])
  })
})
