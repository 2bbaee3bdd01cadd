/**
 * Conformance suite of the broker port (see src/ports/broker.ts for the guarantees).
 */
import assert from 'node:assert/strict'
import { after, beforeEach, describe, it } from 'node:test'
import type { PresenceMember } from '@switchboard/protocol'
import type { Broker } from '../../src/ports/broker.js'
import type { AppendOptions, StoredPublication } from '../../src/ports/history.js'
import { waitFor } from '../helpers/wait.js'

export interface BrokerFixture {
  broker: Broker
  cleanup(): Promise<void>
}

const OPTIONS: AppendOptions = {
  historySize: 100,
  historyTtlMs: 60_000,
  idempotencyWindowMs: 60_000,
}

interface Received {
  publications: Array<{ channel: string; publication: StoredPublication; epoch: string }>
  presence: Array<{ channel: string; type: string; member: PresenceMember }>
  lost: string[]
}

export function brokerConformance(name: string, create: () => Promise<BrokerFixture>): void {
  describe(`broker port: ${name}`, () => {
    let fixture: BrokerFixture
    let broker: Broker
    let received: Received
    let channel = ''
    let n = 0

    beforeEach(async () => {
      await fixture?.cleanup()
      fixture = await create()
      broker = fixture.broker
      received = { publications: [], presence: [], lost: [] }
      broker.setHandler({
        onPublication: (ch, publication, epoch) =>
          received.publications.push({ channel: ch, publication, epoch }),
        onPresence: (ch, type, member) => received.presence.push({ channel: ch, type, member }),
        onStreamLost: (ch) => received.lost.push(ch),
      })
      channel = `conf:${process.pid}:${Date.now()}:${n++}`
    })
    after(async () => fixture?.cleanup())

    it('delivers publications of subscribed channels in offset order, once each', async () => {
      await broker.subscribe(channel)
      const results = []
      for (let i = 1; i <= 50; i++)
        results.push(broker.publish(channel, 'message', String(i), OPTIONS))
      const offsets = (await Promise.all(results)).map((r) => r.offset)
      assert.deepEqual(
        offsets,
        [...Array(50).keys()].map((i) => i + 1),
      )
      await waitFor(() => received.publications.length >= 50)
      assert.deepEqual(
        received.publications.map((r) => [r.channel, r.publication.offset, r.publication.data]),
        offsets.map((o) => [channel, o, String(o)]),
      )
    })

    it('delivers nothing for channels this node is not subscribed to', async () => {
      await broker.subscribe(channel)
      await broker.publish(`${channel}-other`, 'message', '1', OPTIONS)
      await broker.publish(channel, 'message', '2', OPTIONS)
      await waitFor(() => received.publications.length >= 1)
      assert.deepEqual(
        received.publications.map((r) => r.channel),
        [channel],
      )
    })

    it('stops delivering after unsubscribe', async () => {
      await broker.subscribe(channel)
      await broker.publish(channel, 'message', '1', OPTIONS)
      await waitFor(() => received.publications.length === 1)
      await broker.unsubscribe(channel)
      await broker.publish(channel, 'message', '2', OPTIONS)
      await broker.subscribe(`${channel}-marker`)
      await broker.publish(`${channel}-marker`, 'message', 'm', OPTIONS)
      await waitFor(() => received.publications.some((r) => r.channel === `${channel}-marker`))
      assert.equal(received.publications.filter((r) => r.channel === channel).length, 1)
    })

    it('does not deliver a duplicate publish', async () => {
      await broker.subscribe(channel)
      const options = { ...OPTIONS, idempotencyKey: 'once' }
      const first = await broker.publish(channel, 'message', '1', options)
      const again = await broker.publish(channel, 'message', '1', options)
      await broker.publish(channel, 'message', '2', OPTIONS)
      assert.equal(again.duplicate, true)
      assert.equal(again.offset, first.offset)
      await waitFor(() => received.publications.length >= 2)
      assert.deepEqual(
        received.publications.map((r) => r.publication.data),
        ['1', '2'],
      )
    })

    it('serves history and the position of the stream it publishes to', async () => {
      const published = await broker.publish(channel, 'e', '{"a":1}', OPTIONS)
      const read = await broker.history(channel, { afterOffset: 0, limit: 10 })
      assert.deepEqual(read.position, { offset: 1, epoch: published.epoch })
      assert.deepEqual(read.publications, [{ offset: 1, event: 'e', data: '{"a":1}' }])
      assert.deepEqual(await broker.position(channel), { offset: 1, epoch: published.epoch })
    })

    it('delivers presence events of subscribed channels in order', async () => {
      await broker.subscribe(channel)
      await broker.publishPresence(channel, 'join', { id: 'u1', info: { name: 'Ann' } })
      await broker.publishPresence(channel, 'leave', { id: 'u1' })
      await waitFor(() => received.presence.length >= 2)
      assert.deepEqual(
        received.presence.map((p) => [p.type, p.member.id]),
        [
          ['join', 'u1'],
          ['leave', 'u1'],
        ],
      )
      assert.equal(broker.ready(), true)
      assert.deepEqual(received.lost, [])
    })
  })
}
