/**
 * Messages between the orchestrator (bench/run.ts) and the load generator process, carried over
 * Node's IPC channel. The orchestrator sends one job; the load generator answers with events.
 */

/** How the load generator speaks to the server under test. */
export type DialectName = 'json' | 'socket.io'

/** Publish at saturation with a bounded number of publications in flight. */
export interface SaturationPlan {
  /**
   * Deliveries that may be published but not yet received, summed over all subscribers. Deep
   * enough that the server always has a batch queued while the load generator reads the last
   * one; bounded so queues stay small and the backlog drains in seconds even on slow servers.
   */
  maxOutstandingDeliveries: number
  warmupMs: number
  measureMs: number
}

/** Publish at a fixed rate well below saturation and sample publish-to-receive latency. */
export interface LatencyPlan {
  publicationsPerSec: number
  warmupMs: number
  measureMs: number
}

/**
 * Server processes of a scenario. With more than one, they share the Redis at `REDIS_URL`
 * (see servers.ts); subscribers are spread over them in turn and the publisher uses the first.
 */
export interface Nodes {
  nodes?: number
}

/** Every subscriber joins one shared channel. */
export interface FanoutPlan extends Nodes {
  kind: 'fanout'
  subscribers: number
  saturation: SaturationPlan
  latency: LatencyPlan
}

/** Every subscriber joins a channel of its own; publications go round-robin over them. */
export interface ChannelsPlan extends Nodes {
  kind: 'channels'
  channels: number
  saturation: SaturationPlan
}

/** Connections that subscribe and then stay silent while the server's memory is read. */
export interface IdlePlan {
  kind: 'idle'
  connections: number
}

export type ScenarioPlan = FanoutPlan | ChannelsPlan | IdlePlan

export interface LoadgenJob {
  dialect: DialectName
  host: string
  port: number
  /** Every node's port when the scenario runs several (the first is `port`). */
  ports?: number[]
  plan: ScenarioPlan
  /** Connection attempts in flight at once while connecting, so the listen backlog holds. */
  connectConcurrency: number
}

export interface ThroughputResult {
  deliveriesPerSec: number
  /** Delivered frames divided by socket reads on subscriber connections. */
  framesPerRead: number
  /** Share of one core the load generator used during the window, 0..1. */
  loadgenCpuShare: number
  /** Deliveries still missing after publishing stopped and the drain timeout passed. */
  undelivered: number
  /** Deliveries beyond one per subscriber per publication: duplicates, a server or count bug. */
  excessDeliveries: number
  /** Connections the server closed during the run. */
  closedConnections: number
}

export interface LatencyResult {
  publicationsPerSec: number
  deliveriesPerSec: number
  p50Ms: number
  p99Ms: number
  samples: number
  undelivered: number
  closedConnections: number
}

export interface LoadgenResult {
  connectMs: number
  saturation?: ThroughputResult
  latency?: LatencyResult
}

export type LoadgenEvent =
  | { type: 'connected'; connections: number; connectMs: number }
  | { type: 'window'; edge: 'start' | 'end' }
  | { type: 'result'; result: LoadgenResult }
  | { type: 'error'; message: string }

export type OrchestratorMessage = { type: 'job'; job: LoadgenJob } | { type: 'finish' }
