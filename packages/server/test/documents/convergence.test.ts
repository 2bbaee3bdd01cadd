/**
 * Property: whatever five clients type, delete, and however they drop and rejoin, once all are
 * connected they hold the same text, and that text survives a server restart (SQLite).
 * Seeded: a failure prints the seed and path to replay it.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { connectProvider, waitSynced, type TestProvider } from '../helpers/documents.js'
import { startServer, type TestServer } from '../helpers/server.js'
import { tempDir } from '../helpers/tmp.js'
import { waitFor } from '../helpers/wait.js'

const CLIENTS = 5

type Step =
  | { kind: 'insert'; client: number; at: number; text: string }
  | { kind: 'delete'; client: number; at: number; length: number }
  | { kind: 'disconnect'; client: number }
  | { kind: 'reconnect'; client: number }
  | { kind: 'pause' }

const client = fc.integer({ min: 0, max: CLIENTS - 1 })
const position = fc.nat({ max: 1000 })
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      client,
      at: position,
      text: fc.string({ minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      client,
      at: position,
      length: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disconnect' as const), client }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reconnect' as const), client }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pause' as const) }) },
)

function apply(providers: TestProvider[], s: Step): Promise<void> | void {
  if (s.kind === 'pause') return new Promise((resolve) => setTimeout(resolve, 5))
  const p = providers[s.client]!
  if (s.kind === 'insert') p.text.insert(s.at % (p.text.length + 1), s.text)
  else if (s.kind === 'delete') {
    if (p.text.length === 0) return
    const at = s.at % p.text.length
    p.text.delete(at, Math.min(s.length, p.text.length - at))
  } else if (s.kind === 'disconnect') p.provider.disconnect()
  else void p.provider.connect()
}

async function start(dataDir: string): Promise<TestServer> {
  return startServer({ storage: 'sqlite', dataDir, documents: { compactAfterUpdates: 7 } })
}

describe('documents: convergence under random edits, drops and rejoins', () => {
  it('converges, and the converged text survives a restart', async () => {
    const tmp = tempDir()
    let run = 0
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 60 }), async (steps) => {
          const name = `prop:run-${run++}`
          let server = await start(tmp.dir)
          const providers = Array.from({ length: CLIENTS }, () =>
            connectProvider(server.port, name),
          )
          try {
            await waitSynced(...providers)
            for (const s of steps) await apply(providers, s)
            for (const p of providers) void p.provider.connect()
            await waitSynced(...providers)
            await waitFor(
              () => providers.every((p) => p.text.toString() === providers[0]!.text.toString()),
              { message: 'all five clients to hold the same text' },
            )
            const converged = providers[0]!.text.toString()

            for (const p of providers) p.destroy()
            await server.stop()
            server = await start(tmp.dir)
            const reader = connectProvider(server.port, name)
            providers.push(reader)
            await waitSynced(reader)
            assert.equal(reader.text.toString(), converged)
          } finally {
            for (const p of providers) p.destroy()
            await server.stop()
          }
        }),
        { seed: 20_261_204, numRuns: 25, endOnFailure: true },
      )
    } finally {
      tmp.remove()
    }
  })
})
