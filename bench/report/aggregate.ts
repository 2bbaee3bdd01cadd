/** Folding the passes of one server in one scenario into the medians the tables show. */
import type { PassOutcome } from '../orchestrate/pass.js'
import type { ServerName } from '../servers.js'
import { median } from '../stats.js'

export interface Summary {
  deliveriesPerSec: number
  framesPerRead: number
  serverCpuShare: number
  loadgenCpuShare: number
  /** Worst pass: deliveries missing after the drain, connections the server closed. */
  undelivered: number
  excessDeliveries: number
  closedConnections: number
  publicationsPerSec: number
  latencyDeliveriesPerSec: number
  p50Ms: number
  p99Ms: number
  latencySamples: number
  kbPerConnection: number
  baselineRssKb: number
  loadedRssKb: number
}

export interface ServerResult {
  server: ServerName
  passes: PassOutcome[]
  errors: string[]
  median: Summary
}

function medianOf(passes: readonly PassOutcome[], pick: (pass: PassOutcome) => number | undefined) {
  const values = passes.map(pick).filter((value): value is number => value !== undefined)
  return median(values.filter((value) => !Number.isNaN(value)))
}

function worstOf(passes: readonly PassOutcome[], pick: (pass: PassOutcome) => number | undefined) {
  return Math.max(0, ...passes.map((pass) => pick(pass) ?? 0))
}

export function summarize(server: ServerName, passes: PassOutcome[]): ServerResult {
  const measured = passes.filter((pass) => pass.error === undefined)
  return {
    server,
    passes,
    errors: passes.flatMap((pass) => (pass.error === undefined ? [] : [pass.error])),
    median: {
      deliveriesPerSec: medianOf(measured, (pass) => pass.saturation?.deliveriesPerSec),
      framesPerRead: medianOf(measured, (pass) => pass.saturation?.framesPerRead),
      serverCpuShare: medianOf(measured, (pass) => pass.saturation?.serverCpuShare),
      loadgenCpuShare: medianOf(measured, (pass) => pass.saturation?.loadgenCpuShare),
      undelivered: worstOf(measured, (pass) =>
        Math.max(pass.saturation?.undelivered ?? 0, pass.latency?.undelivered ?? 0),
      ),
      excessDeliveries: worstOf(measured, (pass) => pass.saturation?.excessDeliveries),
      closedConnections: worstOf(measured, (pass) =>
        Math.max(pass.saturation?.closedConnections ?? 0, pass.latency?.closedConnections ?? 0),
      ),
      publicationsPerSec: medianOf(measured, (pass) => pass.latency?.publicationsPerSec),
      latencyDeliveriesPerSec: medianOf(measured, (pass) => pass.latency?.deliveriesPerSec),
      p50Ms: medianOf(measured, (pass) => pass.latency?.p50Ms),
      p99Ms: medianOf(measured, (pass) => pass.latency?.p99Ms),
      latencySamples: medianOf(measured, (pass) => pass.latency?.samples),
      kbPerConnection: medianOf(measured, (pass) => pass.idle?.kbPerConnection),
      baselineRssKb: medianOf(measured, (pass) => pass.idle?.baselineRssKb),
      loadedRssKb: medianOf(measured, (pass) => pass.idle?.loadedRssKb),
    },
  }
}
