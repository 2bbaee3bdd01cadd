/**
 * The scenarios and their sizes. `--quick` shortens every window and runs one pass; the shapes
 * (connections, payload, windows, rates) stay the same so quick figures are comparable.
 */
import type { ScenarioPlan, SaturationPlan } from './ipc.js'

export const SCENARIO_NAMES = [
  'fanout-1000',
  'fanout-5000',
  'channels-2000',
  'idle-10000',
  'cluster-fanout-5000',
  'cluster-channels-2000',
] as const
export type ScenarioName = (typeof SCENARIO_NAMES)[number]

/**
 * Deliveries per second of the latency measurement: far below every server's saturation point
 * (PERFORMANCE.md: the slowest manage about 100K), so it measures delivery, not queueing.
 */
export const LATENCY_DELIVERIES_PER_SEC = 20_000

export interface Timing {
  passes: number
  warmupMs: number
  measureMs: number
  latencyWarmupMs: number
  latencyMeasureMs: number
  /** Wait before reading memory, so connection set-up garbage has a chance to be collected. */
  memorySettleMs: number
}

export const FULL_TIMING: Timing = {
  passes: 2,
  warmupMs: 2_000,
  measureMs: 4_000,
  latencyWarmupMs: 2_000,
  latencyMeasureMs: 4_000,
  memorySettleMs: 2_000,
}

export const QUICK_TIMING: Timing = {
  passes: 1,
  warmupMs: 1_000,
  measureMs: 2_000,
  latencyWarmupMs: 1_000,
  latencyMeasureMs: 2_000,
  memorySettleMs: 1_000,
}

/**
 * Deliveries outstanding at saturation. Fan-out needs a deep window: with a shallow one the
 * server and the load generator take turns (one fans out while the other waits) instead of
 * working at once. With one subscriber per channel a few publications per socket suffice.
 */
const FANOUT_MAX_OUTSTANDING_DELIVERIES = 128_000
const CHANNELS_MAX_OUTSTANDING_PER_CHANNEL = 4

function saturation(maxOutstandingDeliveries: number, timing: Timing): SaturationPlan {
  return { maxOutstandingDeliveries, warmupMs: timing.warmupMs, measureMs: timing.measureMs }
}

/** Server processes of the cluster scenarios, on one Redis. */
export const CLUSTER_NODES = 2

function fanout(subscribers: number, timing: Timing, nodes = 1): ScenarioPlan {
  return {
    kind: 'fanout',
    nodes,
    subscribers,
    saturation: saturation(FANOUT_MAX_OUTSTANDING_DELIVERIES, timing),
    latency: {
      publicationsPerSec: LATENCY_DELIVERIES_PER_SEC / subscribers,
      warmupMs: timing.latencyWarmupMs,
      measureMs: timing.latencyMeasureMs,
    },
  }
}

export function planScenario(name: ScenarioName, timing: Timing): ScenarioPlan {
  switch (name) {
    case 'fanout-1000':
      return fanout(1_000, timing)
    case 'fanout-5000':
      return fanout(5_000, timing)
    case 'channels-2000':
      return channelsPlan(2_000, timing, 1)
    case 'cluster-fanout-5000':
      return fanout(5_000, timing, CLUSTER_NODES)
    case 'cluster-channels-2000':
      return channelsPlan(2_000, timing, CLUSTER_NODES)
    case 'idle-10000':
      return { kind: 'idle', connections: 10_000 }
  }
}

function channelsPlan(channels: number, timing: Timing, nodes: number): ScenarioPlan {
  const maxOutstanding = CHANNELS_MAX_OUTSTANDING_PER_CHANNEL * channels
  return { kind: 'channels', nodes, channels, saturation: saturation(maxOutstanding, timing) }
}
