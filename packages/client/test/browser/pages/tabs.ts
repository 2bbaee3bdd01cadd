/**
 * A tab that subscribes to one channel and records what its handler gets, for the multi-tab
 * tests. Query: `server` (the Switchboard URL) and `channel`.
 */
import { createClient, type ResetInfo } from '@switchboard/client'

const params = new URLSearchParams(location.search)
const client = createClient({ url: params.get('server')! })
const channel = client.channel<number>(params.get('channel') ?? 'numbers')
const received: number[] = []
const resets: ResetInfo[] = []
channel.on('reset', (info) => resets.push(info))
channel.subscribe((message) => received.push(message.data))

Object.assign(window, { sb: { client, channel, received, resets } })
