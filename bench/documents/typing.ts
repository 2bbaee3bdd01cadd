/**
 * The typing scenario: clients on one document, each typing characters at a steady rate. Every
 * client has its own `Y.Doc` and sends the update of each keystroke; a sample of clients (the
 * observers) time each update they receive from the moment its author sent it. The others
 * read and drop what they receive, as a lean client would.
 */
import { once } from 'node:events'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { quantile } from '../stats.js'
import type { YjsDialect } from './dialects.js'

export interface TypingPlan {
  clients: number
  observers: number
  charsPerSecond: number
  warmupMs: number
  measureMs: number
}

export interface TypingResult {
  p50Ms: number
  p99Ms: number
  samples: number
  /** Updates sent per second during the measurement. */
  updatesPerSec: number
}

interface Typist {
  ws: WebSocket
  doc: Y.Doc
  next: number
  typed: number
}

const TICK_MS = 5

export async function runTyping(
  dialect: YjsDialect,
  port: number,
  document: string,
  plan: TypingPlan,
): Promise<TypingResult> {
  const sentAt = new Map<string, number>()
  const latencies: number[] = []
  let measuring = false

  const typists: Typist[] = []
  for (let i = 0; i < plan.clients; i++) {
    const ws = new WebSocket(dialect.url(port, document), { perMessageDeflate: false })
    ws.binaryType = 'nodebuffer'
    await once(ws, 'open')
    for (const greeting of dialect.greeting(document)) ws.send(greeting)
    const observer = i < plan.observers
    ws.on('message', (data: Buffer) => {
      if (!observer || !measuring) return
      const update = dialect.incomingUpdate(data)
      if (update === undefined) return
      for (const [client, clock] of Y.parseUpdateMeta(update).from) {
        const sent = sentAt.get(`${client}:${clock}`)
        if (sent !== undefined) latencies.push(performance.now() - sent)
      }
    })
    typists.push({ ws, doc: new Y.Doc(), next: 0, typed: 0 })
  }
  await new Promise((resolve) => setTimeout(resolve, 500))

  const intervalMs = 1000 / plan.charsPerSecond
  const start = performance.now()
  for (const typist of typists) typist.next = start + Math.random() * intervalMs
  let sentInWindow = 0
  const timer = setInterval(() => {
    const now = performance.now()
    for (const typist of typists) {
      if (typist.next > now) continue
      typist.next += intervalMs
      const clock = typist.typed++
      let update: Uint8Array | undefined
      const capture = (u: Uint8Array) => (update = u)
      typist.doc.on('update', capture)
      typist.doc.getText('t').insert(clock, String.fromCharCode(97 + (clock % 26)))
      typist.doc.off('update', capture)
      sentAt.set(`${typist.doc.clientID}:${clock}`, performance.now())
      typist.ws.send(dialect.update(document, update!))
      if (measuring) sentInWindow++
    }
  }, TICK_MS)

  await new Promise((resolve) => setTimeout(resolve, plan.warmupMs))
  measuring = true
  await new Promise((resolve) => setTimeout(resolve, plan.measureMs))
  measuring = false
  clearInterval(timer)
  for (const typist of typists) typist.ws.terminate()

  return {
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    samples: latencies.length,
    updatesPerSec: sentInWindow / (plan.measureMs / 1000),
  }
}
