/**
 * A tab that subscribes to one channel and records what its handler gets, its connection
 * states, and the outcome of its publishes, for the multi-tab tests. Query: `server` (the
 * Switchboard URL), `channel`, `transports`, `slowRetry` and `badToken`.
 */
import {
  createClient,
  type PublishAck,
  type ResetInfo,
  type TransportKind,
} from '@switchboard/client'

const params = new URLSearchParams(location.search)
// `slowRetry`: a first retry 20 s away, so that only a wake-up can explain a prompt one.
const slowRetry = params.has('slowRetry')
  ? { reconnect: { baseDelayMs: 20_000, maxDelayMs: 20_000 }, random: () => 0.999 }
  : {}
// `badToken`: tokens come from `sb.token`, which starts as one the server refuses.
const tokens = params.has('badToken') ? { getToken: () => sb.token } : {}
// `transports`: a comma-separated list, e.g. `sse` to use only the fallback.
const transports = params.get('transports')?.split(',') as TransportKind[] | undefined
const client = createClient({
  url: params.get('server')!,
  ...(transports === undefined ? {} : { transports }),
  ...slowRetry,
  ...tokens,
})
const channel = client.channel<number>(params.get('channel') ?? 'numbers')
const received: number[] = []
const resets: ResetInfo[] = []
const states: string[] = []
const acks: Array<Promise<PublishAck>> = []
const retries: number[] = []
client.on('state', (state, detail) => {
  states.push(state)
  if (detail.retryInMs !== undefined) retries.push(detail.retryInMs)
})
channel.on('reset', (info) => resets.push(info))
channel.subscribe((message) => received.push(message.data))

/** Publishes `from`..`to` without waiting; `outcomes` tells how each ended. */
function publishRange(from: number, to: number): void {
  for (let n = from; n <= to; n++) acks.push(channel.publish(n))
}

/** Each publish's acknowledged offset, or its error code, once all have settled. */
async function outcomes(): Promise<Array<number | string>> {
  const results = await Promise.allSettled(acks)
  return results.map((r) => (r.status === 'fulfilled' ? r.value.offset : String(r.reason.code)))
}

const sb = {
  client,
  channel,
  received,
  resets,
  states,
  retries,
  publishRange,
  outcomes,
  token: 'bad',
}
Object.assign(window, { sb })
