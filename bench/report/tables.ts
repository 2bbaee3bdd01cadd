/**
 * The printed report: one table per measurement, each row a server, the last column
 * Switchboard's figure divided by that row's (above 1 means Switchboard is higher).
 */
import type { ScenarioPlan } from '../ipc.js'
import type { PassOutcome } from '../orchestrate/pass.js'
import { PAYLOAD_BYTES } from '../loadgen/payload.js'
import type { ScenarioName } from '../scenarios.js'
import type { ServerResult, Summary } from './aggregate.js'
import { formatCount, formatFixed, formatPercent, formatRatio, renderTable } from './format.js'

/** Above this share of its core the load generator, not the server, may set the rate. */
const CLIENT_BOUND_CPU_SHARE = 0.9

function ratio(results: readonly ServerResult[], row: ServerResult, pick: (s: Summary) => number) {
  const switchboard = results.find((result) => result.server === 'switchboard')
  if (switchboard === undefined) return '—'
  return formatRatio(pick(switchboard.median) / pick(row.median))
}

function passValues(passes: readonly PassOutcome[], pick: (pass: PassOutcome) => string): string {
  return passes.map((pass) => (pass.error === undefined ? pick(pass) : 'err')).join(' ')
}

/** Warnings for a row; `saturation` adds the ones that only concern a saturation window. */
function notes(result: ServerResult, saturation = false): string {
  const found: string[] = []
  if (result.errors.length > 0) found.push(`${result.errors.length} failed pass(es)`)
  if (result.median.undelivered > 0) {
    found.push(`${formatCount(result.median.undelivered)} undelivered`)
  }
  if (result.median.excessDeliveries > 0) {
    found.push(`${formatCount(result.median.excessDeliveries)} excess deliveries`)
  }
  if (result.median.closedConnections > 0) {
    found.push(`${result.median.closedConnections} closed by server`)
  }
  if (saturation && result.median.loadgenCpuShare >= CLIENT_BOUND_CPU_SHARE) {
    found.push('client-bound?')
  }
  return found.join(', ')
}

function saturationTable(title: string, results: readonly ServerResult[]): string {
  const rows = results.map((result) => [
    result.server,
    formatCount(result.median.deliveriesPerSec),
    passValues(result.passes, (pass) => formatCount(pass.saturation?.deliveriesPerSec ?? NaN)),
    formatFixed(result.median.framesPerRead, 1),
    formatPercent(result.median.serverCpuShare),
    formatPercent(result.median.loadgenCpuShare),
    ratio(results, result, (summary) => summary.deliveriesPerSec),
    notes(result, true),
  ])
  const header = ['server', 'msgs/s', 'passes', 'frames/read', 'server CPU', 'loadgen CPU']
  return `${title}\n${renderTable([...header, 'SB ÷ server', 'notes'], rows)}`
}

function latencyTable(title: string, results: readonly ServerResult[]): string {
  const rows = results.map((result) => [
    result.server,
    formatFixed(result.median.p50Ms, 2),
    formatFixed(result.median.p99Ms, 2),
    passValues(result.passes, (pass) => formatFixed(pass.latency?.p99Ms ?? NaN, 1)),
    formatCount(result.median.latencySamples),
    ratio(results, result, (summary) => summary.p50Ms),
    ratio(results, result, (summary) => summary.p99Ms),
    notes(result),
  ])
  const header = ['server', 'p50 ms', 'p99 ms', 'p99 passes', 'samples', 'SB ÷ server p50']
  return `${title}\n${renderTable([...header, 'SB ÷ server p99', 'notes'], rows)}`
}

function memoryTable(title: string, results: readonly ServerResult[]): string {
  const switchboard = results.find((result) => result.server === 'switchboard')
  const rows = results.map((result) => [
    result.server,
    formatFixed(result.median.kbPerConnection, 1),
    passValues(result.passes, (pass) => formatFixed(pass.idle?.kbPerConnection ?? NaN, 1)),
    formatFixed(result.median.baselineRssKb / 1024, 0),
    formatFixed(result.median.loadedRssKb / 1024, 0),
    ratio(results, result, (summary) => summary.kbPerConnection),
    switchboard === undefined
      ? '—'
      : formatFixed(switchboard.median.kbPerConnection - result.median.kbPerConnection, 1),
    notes(result),
  ])
  const header = ['server', 'KB/conn', 'passes', 'RSS before MB', 'RSS after MB', 'SB ÷ server']
  return `${title}\n${renderTable([...header, 'SB − server KB', 'notes'], rows)}`
}

export function renderScenario(
  name: ScenarioName,
  plan: ScenarioPlan,
  results: readonly ServerResult[],
): string {
  switch (plan.kind) {
    case 'fanout': {
      const shape =
        `${PAYLOAD_BYTES}-byte payload, ${formatCount(plan.subscribers)} subscribers` +
        overNodes(plan.nodes)
      const window = `≤ ${formatCount(plan.saturation.maxOutstandingDeliveries)} outstanding`
      const rate =
        `${formatFixed(plan.latency.publicationsPerSec, 0)} publications/s = ` +
        `${formatCount(plan.latency.publicationsPerSec * plan.subscribers)} deliveries/s`
      return [
        saturationTable(`${name} · saturation, delivered msgs/s (${shape}, ${window})`, results),
        latencyTable(`${name} · publish-to-receive latency at ${rate}`, results),
      ].join('\n\n')
    }
    case 'channels': {
      const shape =
        `${formatCount(plan.channels)} channels × 1 subscriber, round-robin publishing` +
        overNodes(plan.nodes)
      const window = `≤ ${formatCount(plan.saturation.maxOutstandingDeliveries)} outstanding`
      return saturationTable(
        `${name} · saturation, delivered msgs/s (${shape}, ${window})`,
        results,
      )
    }
    case 'idle':
      return memoryTable(
        `${name} · server RSS growth per idle subscribed connection ` +
          `(${formatCount(plan.connections)} connections)`,
        results,
      )
  }
}

function overNodes(nodes: number | undefined): string {
  return nodes !== undefined && nodes > 1 ? `, over ${nodes} nodes on one Redis` : ''
}
