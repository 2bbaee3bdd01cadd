/**
 * The two measurements a publishing scenario makes over the same connections: a saturation
 * window (deliveries per second) and a fixed-rate window (publish-to-receive latency).
 */
import type { LatencyPlan, LatencyResult, SaturationPlan, ThroughputResult } from '../ipc.js'
import { quantile } from '../stats.js'
import { FixedRatePublisher, WindowedPublisher, type PublisherTarget } from './publishers.js'
import type { RawWebSocket } from './raw-websocket.js'

/**
 * How long to wait for outstanding deliveries once publishing stops: a few times what the
 * measured rate needs, within bounds, so a server that lost messages does not stall the run.
 */
const MIN_DRAIN_TIMEOUT_MS = 2_000
const MAX_DRAIN_TIMEOUT_MS = 60_000
const DRAIN_SLACK_FACTOR = 3
const DRAIN_POLL_MS = 10

export interface MeasureContext {
  target: PublisherTarget
  subscribers: readonly RawWebSocket[]
  /** Tells the orchestrator a measurement window opens or closes (it samples server CPU). */
  markWindow(edge: 'start' | 'end'): void
}

export async function measureSaturation(
  context: MeasureContext,
  plan: SaturationPlan,
): Promise<ThroughputResult> {
  const { target, subscribers } = context
  const publisher = new WindowedPublisher(target, plan.maxOutstandingDeliveries)
  publisher.start()
  await sleep(plan.warmupMs)

  const deliveredBefore = target.counter.delivered
  const readsBefore = totalReads(subscribers)
  const cpuBefore = process.cpuUsage()
  const startedAtMs = performance.now()
  context.markWindow('start')
  await sleep(plan.measureMs)
  context.markWindow('end')
  const elapsedMs = performance.now() - startedAtMs
  const cpu = process.cpuUsage(cpuBefore)
  const delivered = target.counter.delivered - deliveredBefore
  const reads = totalReads(subscribers) - readsBefore

  publisher.stop()
  const deliveriesPerSec = delivered / (elapsedMs / 1000)
  const drainTimeoutMs = Math.min(
    MAX_DRAIN_TIMEOUT_MS,
    MIN_DRAIN_TIMEOUT_MS +
      (DRAIN_SLACK_FACTOR * publisher.outstandingDeliveries * 1000) / deliveriesPerSec,
  )
  await drain(() => publisher.outstandingDeliveries <= 0, drainTimeoutMs)
  return {
    deliveriesPerSec,
    framesPerRead: reads === 0 ? 0 : delivered / reads,
    loadgenCpuShare: (cpu.user + cpu.system) / 1000 / elapsedMs,
    undelivered: Math.max(0, publisher.outstandingDeliveries),
    excessDeliveries: Math.max(0, -publisher.outstandingDeliveries),
    closedConnections: target.counter.closedConnections,
  }
}

export async function measureLatency(
  context: MeasureContext,
  plan: LatencyPlan,
): Promise<LatencyResult> {
  const { target } = context
  const publisher = new FixedRatePublisher(target)
  publisher.start(plan.publicationsPerSec)
  await sleep(plan.warmupMs)

  target.counter.latenciesMs = []
  target.counter.sampling = true
  await sleep(plan.measureMs)
  publisher.stop()
  // Keep sampling while the last publications arrive, so the slowest ones are not cut off.
  await drain(() => publisher.outstandingDeliveries <= 0, MIN_DRAIN_TIMEOUT_MS)
  target.counter.sampling = false

  const latenciesMs = target.counter.latenciesMs
  target.counter.latenciesMs = []
  return {
    publicationsPerSec: plan.publicationsPerSec,
    deliveriesPerSec: plan.publicationsPerSec * target.subscribersPerChannel,
    p50Ms: quantile(latenciesMs, 0.5),
    p99Ms: quantile(latenciesMs, 0.99),
    samples: latenciesMs.length,
    undelivered: Math.max(0, publisher.outstandingDeliveries),
    closedConnections: target.counter.closedConnections,
  }
}

function totalReads(connections: readonly RawWebSocket[]): number {
  let reads = 0
  for (const connection of connections) reads += connection.reads
  return reads
}

async function drain(isDone: () => boolean, timeoutMs: number): Promise<void> {
  const deadlineMs = performance.now() + timeoutMs
  while (!isDone() && performance.now() < deadlineMs) await sleep(DRAIN_POLL_MS)
}

function sleep(durationMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, durationMs))
}
