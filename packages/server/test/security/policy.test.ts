/** The origin matcher and the per-IP token bucket on their own, with a controlled clock. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Admission, AdmissionRefusal } from '../../src/security/admission.js'
import { OriginPolicy, parseOriginPattern } from '../../src/security/origins.js'

describe('OriginPolicy', () => {
  const policy = new OriginPolicy([
    'https://app.test',
    'https://*.example.com',
    'http://localhost:3000',
    'https://[::1]:8443',
  ])
  const cases: Array<[string | undefined, boolean]> = [
    [undefined, true],
    ['https://app.test', true],
    ['https://APP.test', true],
    ['https://app.test:443', true],
    ['https://app.test:8443', false],
    ['http://app.test', false],
    ['https://sub.app.test', false],
    ['https://eu.example.com', true],
    ['https://a.b.example.com', true],
    ['https://example.com', false],
    ['https://evilexample.com', false],
    ['https://example.com.evil.test', false],
    ['http://eu.example.com', false],
    ['http://localhost:3000', true],
    ['http://localhost:3001', false],
    ['https://[::1]:8443', true],
    ['null', false],
    ['not a url', false],
  ]
  for (const [origin, allowed] of cases) {
    it(`${allowed ? 'allows' : 'refuses'} ${String(origin)}`, () => {
      assert.equal(policy.allows(origin), allowed)
    })
  }

  it('allows any origin with *', () => {
    assert.equal(new OriginPolicy(['*']).allows('https://anything.test'), true)
  })

  it('rejects malformed entries', () => {
    for (const entry of ['app.test', 'https://app.test/', 'https://a.*.test', 'ftp://a.test']) {
      assert.equal(typeof parseOriginPattern(entry), 'string', entry)
    }
  })
})

describe('Admission', () => {
  const limits = {
    maxConnectionsPerIp: 3,
    newConnectionsPerSecondPerIp: 2,
    newConnectionsBurstPerIp: 2,
  }

  it('admits a burst, refills at the rate, and says when to retry', () => {
    let now = 0
    const admission = new Admission(limits, () => now)
    try {
      assert.equal(typeof admission.admit('a'), 'function')
      assert.equal(typeof admission.admit('a'), 'function')
      const refused = admission.admit('a')
      assert.ok(refused instanceof AdmissionRefusal)
      assert.equal(refused.code, 'rate_limited')
      assert.equal(refused.retryAfterS, 1)
      assert.equal(typeof admission.admit('b'), 'function', 'other addresses are separate')

      now = 500 // one token at 2 per second
      assert.equal(typeof admission.admit('a'), 'function')
      assert.ok(admission.admit('a') instanceof AdmissionRefusal)
    } finally {
      admission.close()
    }
  })

  it('caps open connections and frees a slot on release, once', () => {
    let now = 0
    const admission = new Admission(limits, () => now)
    try {
      const releases = [admission.admit('a'), admission.admit('a')]
      now = 1_000
      const third = admission.admit('a') as () => void
      now = 2_000
      const refused = admission.admit('a')
      assert.ok(refused instanceof AdmissionRefusal)
      assert.match(refused.message, /maxConnectionsPerIp\) is 3/)

      third()
      third()
      assert.equal(admission.openFrom('a'), 2, 'a second release is ignored')
      assert.equal(typeof admission.admit('a'), 'function')
      for (const release of releases) (release as () => void)()
    } finally {
      admission.close()
    }
  })
})
