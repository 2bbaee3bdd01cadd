/** The `broker` option: defaults, validation, and the SWITCHBOARD_REDIS_URL override. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, overridesFromEnv, resolveOptions } from '../../src/config/load.js'

describe('broker config', () => {
  it('defaults to the in-process broker', () => {
    assert.deepEqual(resolveOptions({}).broker, { type: 'memory' })
  })

  it('fills the Redis defaults', () => {
    assert.deepEqual(resolveOptions({ broker: { type: 'redis' } }).broker, {
      type: 'redis',
      keyPrefix: 'sb:',
      presenceTtlMs: 30_000,
      nodeRequestTimeoutMs: 2_000,
    })
    const cluster = resolveOptions({
      broker: { type: 'redis', cluster: { nodes: ['10.0.0.1:7000'] }, keyPrefix: 'app:' },
    })
    assert.deepEqual(cluster.broker, {
      type: 'redis',
      cluster: { nodes: ['10.0.0.1:7000'] },
      keyPrefix: 'app:',
      presenceTtlMs: 30_000,
      nodeRequestTimeoutMs: 2_000,
    })
  })

  it('refuses contradictory or malformed Redis options, naming the field', () => {
    const refused = (broker: unknown, message: RegExp) =>
      assert.throws(
        () => resolveOptions({ broker }),
        (error: Error) => {
          assert.ok(error instanceof ConfigError)
          assert.match(error.message, message)
          return true
        },
      )
    refused({ type: 'memory', url: 'redis://x:1' }, /broker\.url applies only to .*redis/)
    refused(
      { type: 'redis', url: 'redis://x:1', cluster: { nodes: ['x:1'] } },
      /broker\.url and broker\.cluster are exclusive/,
    )
    refused({ type: 'redis', url: 'http://x' }, /broker\.url must match pattern/)
    refused({ type: 'redis', keyPrefix: 'a{b}' }, /broker\.keyPrefix/)
    refused({ type: 'redis', cluster: { nodes: ['nohost'] } }, /broker\.cluster\.nodes\.0/)
    refused({ type: 'kafka' }, /broker\.type must be equal to one of the allowed values/)
  })

  it('selects Redis from SWITCHBOARD_REDIS_URL, keeping the file options', () => {
    const overrides = overridesFromEnv({ SWITCHBOARD_REDIS_URL: 'redis://10.0.0.2:6380' })
    const options = resolveOptions({ broker: { type: 'redis', keyPrefix: 'x:' } }, overrides)
    assert.deepEqual(options.broker, {
      type: 'redis',
      url: 'redis://10.0.0.2:6380',
      keyPrefix: 'x:',
      presenceTtlMs: 30_000,
      nodeRequestTimeoutMs: 2_000,
    })
    assert.deepEqual(resolveOptions({}, overrides).broker.type, 'redis')
    assert.throws(() => overridesFromEnv({ SWITCHBOARD_REDIS_URL: 'localhost' }), ConfigError)
  })
})
