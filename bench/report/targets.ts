/**
 * The targets Switchboard is held to, checked against the medians of this run only. A target
 * whose servers were not both measured is reported as such, never as met.
 */
import type { ScenarioName } from '../scenarios.js'
import type { ServerName } from '../servers.js'
import type { ServerResult } from './aggregate.js'
import { formatFixed, formatRatio } from './format.js'

/** Fan-out throughput as a share of the frame-once `ws` server, the practical limit on Node. */
export const MIN_SHARE_OF_FRAME_ONCE = 0.8
/** "Well ahead of Socket.IO": at least this multiple of its fan-out throughput. */
export const MIN_MULTIPLE_OF_SOCKET_IO = 2
/** Idle memory per connection may exceed the frame-once `ws` server's by at most this, in KB. */
export const MAX_EXTRA_KB_PER_CONNECTION = 2

export type Verdict = 'met' | 'missed' | 'not measured'

export interface TargetCheck {
  target: string
  scenario: ScenarioName
  verdict: Verdict
  detail: string
}

export type ResultsByScenario = Partial<Record<ScenarioName, ServerResult[]>>

function medianFor(
  results: ResultsByScenario,
  scenario: ScenarioName,
  server: ServerName,
  pick: (result: ServerResult) => number,
): number {
  const result = results[scenario]?.find((candidate) => candidate.server === server)
  return result === undefined ? Number.NaN : pick(result)
}

function check(
  target: string,
  scenario: ScenarioName,
  values: [number, number],
  passes: (switchboard: number, other: number) => boolean,
  describe: (switchboard: number, other: number) => string,
): TargetCheck {
  const [switchboard, other] = values
  if (!Number.isFinite(switchboard) || !Number.isFinite(other)) {
    return { target, scenario, verdict: 'not measured', detail: 'both servers must run' }
  }
  const verdict = passes(switchboard, other) ? 'met' : 'missed'
  return { target, scenario, verdict, detail: describe(switchboard, other) }
}

export function evaluateTargets(results: ResultsByScenario): TargetCheck[] {
  const checks: TargetCheck[] = []
  const rate = (result: ServerResult): number => result.median.deliveriesPerSec
  for (const scenario of ['fanout-1000', 'fanout-5000'] as const) {
    if (results[scenario] === undefined) continue
    const switchboard = medianFor(results, scenario, 'switchboard', rate)
    checks.push(
      check(
        `fan-out throughput ≥ ${MIN_SHARE_OF_FRAME_ONCE}× ws-frame-once`,
        scenario,
        [switchboard, medianFor(results, scenario, 'ws-frame-once', rate)],
        (ours, theirs) => ours >= MIN_SHARE_OF_FRAME_ONCE * theirs,
        (ours, theirs) => `${formatRatio(ours / theirs)}`,
      ),
      check(
        `fan-out throughput ≥ ${MIN_MULTIPLE_OF_SOCKET_IO}× Socket.IO`,
        scenario,
        [switchboard, medianFor(results, scenario, 'socket.io', rate)],
        (ours, theirs) => ours >= MIN_MULTIPLE_OF_SOCKET_IO * theirs,
        (ours, theirs) => `${formatRatio(ours / theirs)}`,
      ),
    )
  }

  // Issue 5: on Redis, ahead of Socket.IO's Redis adapter, and two nodes above one.
  const clusterPairs = [
    ['cluster-fanout-5000', 'fanout-5000'],
    ['cluster-channels-2000', 'channels-2000'],
  ] as const
  for (const [scenario, single] of clusterPairs) {
    if (results[scenario] === undefined) continue
    const switchboard = medianFor(results, scenario, 'switchboard', rate)
    checks.push(
      check(
        'two-node throughput ahead of Socket.IO with the Redis adapter',
        scenario,
        [switchboard, medianFor(results, scenario, 'socket.io', rate)],
        (ours, theirs) => ours > theirs,
        (ours, theirs) => `${formatRatio(ours / theirs)}`,
      ),
      check(
        `two-node throughput above one node's (${single})`,
        scenario,
        [switchboard, medianFor(results, single, 'switchboard', rate)],
        (two, one) => two > one,
        (two, one) => `${formatRatio(two / one)}`,
      ),
    )
  }

  if (results['idle-10000'] !== undefined) {
    const kb = (result: ServerResult): number => result.median.kbPerConnection
    checks.push(
      check(
        `idle memory ≤ ws-frame-once + ${MAX_EXTRA_KB_PER_CONNECTION} KB per connection`,
        'idle-10000',
        [
          medianFor(results, 'idle-10000', 'switchboard', kb),
          medianFor(results, 'idle-10000', 'ws-frame-once', kb),
        ],
        (ours, theirs) => ours <= theirs + MAX_EXTRA_KB_PER_CONNECTION,
        (ours, theirs) => `${formatFixed(ours, 1)} KB vs ${formatFixed(theirs, 1)} KB`,
      ),
    )
  }
  return checks
}

export function renderTargets(checks: readonly TargetCheck[]): string {
  const lines = checks.map(
    (entry) => `${entry.verdict.padEnd(12)} ${entry.target} [${entry.scenario}]: ${entry.detail}`,
  )
  return ['targets', ...lines].join('\n')
}
