/** The worker side of worker.ts: a client in a Web Worker, reporting to its page. */
import { createClient } from '@switchboard/client'

const params = new URLSearchParams(location.search)
const client = createClient({ url: params.get('server')! })
const channel = client.channel<number>('worker')
client.on('state', (state) => postMessage({ kind: 'state', value: state }))
channel.subscribe((message) => postMessage({ kind: 'message', value: message.data }))
onmessage = (event: MessageEvent<{ publish: number }>) => {
  channel.publish(event.data.publish).then((ack) => postMessage({ kind: 'ack', value: ack.offset }))
}
