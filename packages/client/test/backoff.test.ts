import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Backoff } from '../src/backoff.js'
import { seededRandom } from './helpers/wait.js'

const OPTIONS = { baseDelayMs: 100, maxDelayMs: 5_000, stableAfterMs: 10_000 }

describe('backoff', () => {
  it('draws each delay uniformly below a ceiling that doubles up to the cap', () => {
    const backoff = new Backoff(OPTIONS, seededRandom(1))
    const ceilings = [100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000]
    for (const ceiling of ceilings) {
      assert.equal(backoff.ceilingMs, ceiling)
      const delay = backoff.next()
      assert.ok(delay >= 0 && delay < ceiling, `${delay} within [0, ${ceiling})`)
    }
  })

  it('is full jitter: delays at the cap spread evenly over [0, cap)', () => {
    const random = seededRandom(42)
    const samples: number[] = []
    for (let i = 0; i < 4_000; i++) {
      const backoff = new Backoff(OPTIONS, random)
      for (let attempt = 0; attempt < 10; attempt++) backoff.next()
      samples.push(backoff.next())
    }
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length
    assert.ok(Math.abs(mean - 2_500) < 150, `mean ${mean} near half the cap`)
    const quarters = [0, 0, 0, 0]
    for (const s of samples) quarters[Math.floor(s / 1_250)]!++
    for (const count of quarters) assert.ok(Math.abs(count - 1_000) < 150, `quarter ${count}`)
    assert.ok(Math.max(...samples) < 5_000)
  })

  it('never overflows however many attempts fail', () => {
    const backoff = new Backoff(OPTIONS, () => 0.999_999)
    for (let i = 0; i < 2_000; i++) backoff.next()
    assert.equal(backoff.ceilingMs, 5_000)
    assert.ok(backoff.next() < 5_000)
  })

  it('resets after a stable connection, not after a short one', () => {
    const backoff = new Backoff(OPTIONS, seededRandom(3))
    for (let i = 0; i < 5; i++) backoff.next()
    backoff.connectionEnded(2_000)
    assert.equal(backoff.ceilingMs, 3_200)
    backoff.connectionEnded(10_000)
    assert.equal(backoff.ceilingMs, 100)
  })
})
