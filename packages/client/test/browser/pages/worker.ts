/**
 * A page whose client runs in a dedicated Web Worker (see worker-client.ts); the page only
 * collects what the worker reports. Query: `server`.
 */
const received: number[] = []
const states: string[] = []
const acks: number[] = []
const worker = new Worker(`/workerClient.js${location.search}`, { type: 'module' })
worker.onmessage = (event: MessageEvent<{ kind: string; value: never }>) => {
  const { kind, value } = event.data
  if (kind === 'message') received.push(value)
  if (kind === 'state') states.push(value)
  if (kind === 'ack') acks.push(value)
}
const publish = (n: number) => worker.postMessage({ publish: n })

Object.assign(window, { sb: { received, states, acks, publish } })
