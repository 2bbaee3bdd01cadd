/**
 * Prometheus metrics. Hot-path counts (deliveries, bytes) are plain numbers bumped inline and
 * read by the registry only at scrape time, so fan-out pays no per-delivery metric cost.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Counters updated on the hot path; read at scrape time. */
export class ServerStats {
  deliveries = 0
  bytesSent = 0
  bytesReceived = 0
  slowConsumerDisconnects = 0
  /** Requests and upgrades refused for their `Origin` (security.allowedOrigins). */
  originRefusals = 0
  /** Connections refused by per-IP admission (rate or concurrency). */
  admissionRefusals = 0
}

export interface MetricsSources {
  stats: ServerStats
  connections(): { websocket: number; sse: number; documents: number }
  subscriptions(): number
  channels(): number
  /** Open connections by plan name. */
  connectionsByPlan(): Map<string, number>
  /** Events waiting per webhook URL. */
  webhookQueues(): Array<[string, number]>
  /** Documents held in memory on this node. */
  documents(): number
}

export class Metrics {
  readonly registry = new Registry()
  readonly publications: Counter<'source'>
  readonly errors: Counter<'code'>
  readonly publishLatency: Histogram
  readonly rateLimited: Counter<'plan'>
  readonly planLimits: Counter<'plan' | 'reason'>
  readonly functionCalls: Counter<'route' | 'outcome'>
  readonly webhookEvents: Counter<'webhook' | 'outcome'>

  constructor(sources: MetricsSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_process_' })

    new Gauge({
      name: 'switchboard_connections',
      help: 'Open client connections by transport.',
      labelNames: ['transport'],
      registers,
      collect() {
        const counts = sources.connections()
        this.set({ transport: 'websocket' }, counts.websocket)
        this.set({ transport: 'sse' }, counts.sse)
        this.set({ transport: 'documents' }, counts.documents)
      },
    })
    new Gauge({
      name: 'switchboard_documents_open',
      help: 'Documents held in memory on this node.',
      registers,
      collect() {
        this.set(sources.documents())
      },
    })
    new Gauge({
      name: 'switchboard_subscriptions',
      help: 'Active channel subscriptions on this node.',
      registers,
      collect() {
        this.set(sources.subscriptions())
      },
    })
    new Gauge({
      name: 'switchboard_channels',
      help: 'Channels with at least one subscriber on this node.',
      registers,
      collect() {
        this.set(sources.channels())
      },
    })
    this.publications = new Counter({
      name: 'switchboard_publications_total',
      help: 'Accepted publications by source: websocket, http (client requests), api (API key); duplicates excluded.',
      labelNames: ['source'],
      registers,
    })
    this.errors = new Counter({
      name: 'switchboard_request_errors_total',
      help: 'Requests answered with an error, by error code.',
      labelNames: ['code'],
      registers,
    })
    this.publishLatency = new Histogram({
      name: 'switchboard_publish_write_seconds',
      help: 'Time from receiving a publish to its durable write and hand-off to the broker.',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    })
    new Gauge({
      name: 'switchboard_plan_connections',
      help: 'Open client connections by plan.',
      labelNames: ['plan'],
      registers,
      collect() {
        this.reset()
        for (const [plan, count] of sources.connectionsByPlan()) this.set({ plan }, count)
      },
    })
    this.rateLimited = new Counter({
      name: 'switchboard_plan_rate_limited_total',
      help: 'Client messages refused with rate_limited, by plan.',
      labelNames: ['plan'],
      registers,
    })
    this.planLimits = new Counter({
      name: 'switchboard_plan_limit_closures_total',
      help: 'Connections refused or closed by a plan limit, by plan and close reason.',
      labelNames: ['plan', 'reason'],
      registers,
    })
    this.functionCalls = new Counter({
      name: 'switchboard_function_calls_total',
      help: 'Function calls by route and outcome (ok, failed, timeout).',
      labelNames: ['route', 'outcome'],
      registers,
    })
    this.webhookEvents = new Counter({
      name: 'switchboard_webhook_events_total',
      help: 'Webhook events by webhook URL and outcome: delivered, retried (per failed attempt), dropped.',
      labelNames: ['webhook', 'outcome'],
      registers,
    })
    new Gauge({
      name: 'switchboard_webhook_queued_events',
      help: 'Webhook events waiting for delivery, by webhook URL.',
      labelNames: ['webhook'],
      registers,
      collect() {
        for (const [webhook, queued] of sources.webhookQueues()) this.set({ webhook }, queued)
      },
    })
    const stats = sources.stats
    counterFromStats(
      'switchboard_deliveries_total',
      'Messages queued to subscribers.',
      () => stats.deliveries,
    )
    counterFromStats(
      'switchboard_sent_bytes_total',
      'Bytes written to client sockets.',
      () => stats.bytesSent,
    )
    counterFromStats(
      'switchboard_received_bytes_total',
      'Bytes of client messages received.',
      () => stats.bytesReceived,
    )
    counterFromStats(
      'switchboard_slow_consumer_disconnects_total',
      'Connections closed because their outbound queue exceeded limits.maxQueueBytes.',
      () => stats.slowConsumerDisconnects,
    )
    counterFromStats(
      'switchboard_origin_refusals_total',
      'Requests and WebSocket upgrades refused because their Origin is not allowed.',
      () => stats.originRefusals,
    )
    counterFromStats(
      'switchboard_admission_refusals_total',
      'WebSocket and SSE connections refused by the per-IP limits (429 rate_limited).',
      () => stats.admissionRefusals,
    )

    function counterFromStats(name: string, help: string, read: () => number): void {
      let reported = 0
      new Counter({
        name,
        help,
        registers,
        collect() {
          const value = read()
          this.inc(value - reported)
          reported = value
        },
      })
    }
  }
}
