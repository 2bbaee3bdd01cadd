/**
 * Load generator process. Receives one job from the orchestrator over IPC, opens the
 * connections, runs the scenario's measurements and answers with events, then exits. It runs
 * pinned to its own core, so everything here is written to spend as little CPU per delivery as
 * possible.
 */
import type {
  LoadgenEvent,
  LoadgenJob,
  LoadgenResult,
  OrchestratorMessage,
  ScenarioPlan,
} from '../ipc.js'
import { openConnection, openSubscribers, type ConnectOptions } from './connect.js'
import { DeliveryCounter } from './delivery-counter.js'
import { createDialect } from './dialects/index.js'
import { measureLatency, measureSaturation, type MeasureContext } from './measure.js'

const STEP_TIMEOUT_MS = 20_000

/** Resolves once the event is handed to the IPC channel, so exiting right after loses nothing. */
function send(event: LoadgenEvent): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) throw new Error('the load generator needs an IPC channel')
    process.send(event, undefined, {}, () => resolve())
  })
}

function nextMessage(): Promise<OrchestratorMessage> {
  return new Promise((resolve) => process.once('message', resolve))
}

/** The channel each subscriber joins, in connection order. */
function subscriberChannels(plan: ScenarioPlan): string[] {
  switch (plan.kind) {
    case 'fanout':
      return new Array<string>(plan.subscribers).fill('bench')
    case 'channels':
      return Array.from({ length: plan.channels }, (_, index) => `bench-${index}`)
    case 'idle':
      return Array.from({ length: plan.connections }, (_, index) => `idle-${index}`)
  }
}

async function run(job: LoadgenJob): Promise<LoadgenResult> {
  const dialect = createDialect(job.dialect)
  const counter = new DeliveryCounter(dialect)
  const options: ConnectOptions = {
    host: job.host,
    port: job.port,
    dialect,
    handler: counter,
    concurrency: job.connectConcurrency,
    stepTimeoutMs: STEP_TIMEOUT_MS,
  }
  const plan = job.plan
  const channels = subscriberChannels(plan)

  const connectStartedAtMs = performance.now()
  const subscribers = await openSubscribers(options, channels, job.ports)
  const connectMs = performance.now() - connectStartedAtMs
  await send({ type: 'connected', connections: subscribers.length, connectMs })

  if (plan.kind === 'idle') {
    // The orchestrator reads the server's memory now; the connections must stay open until then.
    const message = await nextMessage()
    if (message.type !== 'finish') throw new Error(`expected finish, got ${message.type}`)
    return { connectMs }
  }

  const publisher = await openConnection(options)
  publisher.finishSetup()
  const context: MeasureContext = {
    target: {
      connection: publisher,
      dialect,
      channels: [...new Set(channels)],
      subscribersPerChannel: plan.kind === 'fanout' ? plan.subscribers : 1,
      counter,
    },
    subscribers,
    markWindow: (edge) => void send({ type: 'window', edge }),
  }
  // Latency first: after a saturation window the server's heap is full of garbage, and the
  // collections that follow would be charged to the latency of a moderate load.
  const latency = plan.kind === 'fanout' ? await measureLatency(context, plan.latency) : undefined
  const saturation = await measureSaturation(context, plan.saturation)
  return { connectMs, saturation, latency }
}

const first = await nextMessage()
if (first.type !== 'job') throw new Error(`expected a job, got ${first.type}`)
try {
  const result = await run(first.job)
  await send({ type: 'result', result })
} catch (error) {
  await send({ type: 'error', message: error instanceof Error ? error.message : String(error) })
}
// Exiting closes every socket at once; the orchestrator stops the server right after.
process.exit(0)
