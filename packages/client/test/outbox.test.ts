import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SwitchboardError } from '../src/errors.js'
import { Outbox } from '../src/outbox.js'
import type { ReplyBody, RequestFrame } from '../src/types.js'

/** A send that records frames and lets the test settle each one. */
function recorder() {
  const sent: Array<{ frame: RequestFrame; resolve(r: ReplyBody): void; reject(e: Error): void }> =
    []
  const send = (frame: RequestFrame) =>
    new Promise<ReplyBody>((resolve, reject) => sent.push({ frame, resolve, reject }))
  return { sent, send }
}

const publish = (n: number): RequestFrame => ({
  action: 'publish',
  channel: 'c',
  data: n,
  idempotencyKey: `k${n}`,
})

describe('outbox', () => {
  it('sends queued publications in order and resolves each with its ack', async () => {
    const outbox = new Outbox(10, 1_000)
    const acks = [1, 2, 3].map((n) => outbox.add(publish(n), 1))
    const { sent, send } = recorder()
    outbox.flush(send)
    assert.deepEqual(
      sent.map((s) => s.frame.data),
      [1, 2, 3],
    )
    // Replies may come in any order.
    sent[2]!.resolve({ offset: 3, epoch: 'e' })
    sent[0]!.resolve({ offset: 1, epoch: 'e', duplicate: true })
    sent[1]!.resolve({ offset: 2, epoch: 'e' })
    assert.deepEqual(await Promise.all(acks), [
      { offset: 1, epoch: 'e', duplicate: true },
      { offset: 2, epoch: 'e' },
      { offset: 3, epoch: 'e' },
    ])
    assert.equal(outbox.size, 0)
    assert.equal(outbox.bytes, 0)
  })

  it('resends unacknowledged publications first, with their keys, after a reconnect', async () => {
    const outbox = new Outbox(10, 1_000)
    const first = recorder()
    const a = outbox.add(publish(1), 1)
    outbox.flush(first.send)
    outbox.connectionLost()
    first.sent[0]!.reject(new SwitchboardError('disconnected', 'lost'))
    const b = outbox.add(publish(2), 1)

    const second = recorder()
    outbox.flush(second.send)
    assert.deepEqual(
      second.sent.map((s) => s.frame.idempotencyKey),
      ['k1', 'k2'],
    )
    second.sent[0]!.resolve({ offset: 1, epoch: 'e' })
    second.sent[1]!.resolve({ offset: 2, epoch: 'e' })
    assert.equal((await a).offset, 1)
    assert.equal((await b).offset, 2)
  })

  it('does not send a publication twice on one connection', () => {
    const outbox = new Outbox(10, 1_000)
    void outbox.add(publish(1), 1)
    const { sent, send } = recorder()
    outbox.flush(send)
    outbox.flush(send)
    assert.equal(sent.length, 1)
  })

  it('fails a publication the server refuses, and keeps the others', async () => {
    const outbox = new Outbox(10, 1_000)
    const a = outbox.add(publish(1), 1)
    const b = outbox.add(publish(2), 1)
    const { sent, send } = recorder()
    outbox.flush(send)
    sent[0]!.reject(new SwitchboardError('forbidden', 'no'))
    await assert.rejects(a, { code: 'forbidden' })
    sent[1]!.resolve({ offset: 1, epoch: 'e' })
    assert.equal((await b).offset, 1)
  })

  it('refuses publications beyond its count bound and keeps what it holds', async () => {
    const outbox = new Outbox(2, 1_000)
    const kept = [outbox.add(publish(1), 1), outbox.add(publish(2), 1)]
    await assert.rejects(outbox.add(publish(3), 1), { code: 'outbox_full' })
    assert.equal(outbox.size, 2)
    const { sent, send } = recorder()
    outbox.flush(send)
    assert.deepEqual(
      sent.map((s) => s.frame.data),
      [1, 2],
    )
    for (const s of sent) s.resolve({ offset: 1, epoch: 'e' })
    await Promise.all(kept)
  })

  it('refuses publications beyond its byte bound, naming the option', async () => {
    const outbox = new Outbox(100, 10)
    void outbox.add(publish(1), 6)
    await assert.rejects(outbox.add(publish(2), 5), /outbox\.maxBytes/)
    void outbox.add(publish(3), 4)
    assert.equal(outbox.bytes, 10)
  })

  it('rejects everything on close', async () => {
    const outbox = new Outbox(10, 1_000)
    const a = outbox.add(publish(1), 1)
    outbox.rejectAll(new SwitchboardError('closed', 'closed'))
    await assert.rejects(a, { code: 'closed' })
    assert.equal(outbox.size, 0)
  })
})
