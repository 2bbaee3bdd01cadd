/**
 * Slow-loris: a client that trickles its headers or its body is cut at
 * `limits.headersTimeoutMs` / `limits.requestTimeoutMs`, over plain HTTP and over TLS, while
 * SSE streams and WebSockets on the same server, which outlive both limits, keep working.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as connectHttp2 } from 'node:http2'
import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { describe, it } from 'node:test'
import { EventSource } from 'eventsource'
import { makeCertificate } from '../helpers/certificate.js'
import { apiPost, startServer } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { TestClient } from '../helpers/ws-client.js'

const HEADERS_TIMEOUT_MS = 600
const REQUEST_TIMEOUT_MS = 1_200
/** Timers, the deadline check interval and a loaded machine. */
const SLACK_MS = 1_000
const limits = { headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS }

/**
 * Writes `head` at once, then `trickle` one byte every 100 ms; resolves with how long the
 * server let the socket live and what it answered.
 */
async function trickle(
  socket: Socket,
  head: string,
  trickled: string,
): Promise<{ elapsedMs: number; answer: string }> {
  const started = Date.now()
  let answer = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => (answer += chunk))
  socket.on('error', () => {})
  socket.write(head)
  let index = 0
  const timer = setInterval(() => {
    if (socket.writable) socket.write(trickled[index++ % trickled.length]!)
  }, 100)
  await new Promise((resolve) => socket.once('close', resolve))
  clearInterval(timer)
  return { elapsedMs: Date.now() - started, answer }
}

describe('slow clients', () => {
  it('cuts trickled headers and bodies over plain HTTP; SSE and WebSocket carry on', async (t) => {
    const server = await startServer({ limits, sse: { heartbeatMs: 200 } })
    t.after(() => server.stop())
    const source = new EventSource(`${server.url}/sse?channel=live`)
    t.after(() => source.close())
    const events: unknown[] = []
    source.addEventListener('message', (event) => events.push(JSON.parse(event.data)))
    await waitFor(() => source.readyState === EventSource.OPEN, { message: 'the SSE stream' })
    const client = await TestClient.connect(server.wsUrl)
    await client.request({ action: 'subscribe', channel: 'live' })

    const headers = await trickle(
      connectTcp(server.port, '127.0.0.1'),
      'GET /healthz HTTP/1.1\r\nHost: x\r\n',
      'X-Slow: a\r\n',
    )
    assert.ok(headers.elapsedMs < HEADERS_TIMEOUT_MS + SLACK_MS, `${headers.elapsedMs} ms`)
    assert.match(headers.answer, /^HTTP\/1\.1 408/)

    const body = await trickle(
      connectTcp(server.port, '127.0.0.1'),
      'POST /client/request HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n',
      'x',
    )
    assert.ok(body.elapsedMs < REQUEST_TIMEOUT_MS + SLACK_MS, `${body.elapsedMs} ms`)
    assert.match(body.answer, /^HTTP\/1\.1 408/)

    // Both streams have now outlived both limits.
    await apiPost(`${server.url}/v1/publish`, { channel: 'live', data: 'still here' })
    await waitFor(() => events.length === 1, { message: 'the SSE event' })
    await client.waitFrame((f) => f.type === 'message')
    assert.equal(source.readyState, EventSource.OPEN)
    assert.equal(client.closeCode, undefined)
    client.close()
  })

  it('cuts trickled headers and stalled handshakes over TLS; SSE and wss:// carry on', async (t) => {
    const certificate = makeCertificate()
    t.after(() => certificate.remove())
    const server = await startServer({
      limits,
      sse: { heartbeatMs: 200 },
      tls: { certFile: certificate.certFile, keyFile: certificate.keyFile },
    })
    t.after(() => server.stop())
    const session = connectHttp2(`https://127.0.0.1:${server.port}`, { ca: certificate.cert })
    session.on('error', () => {})
    t.after(() => session.close())
    const stream = session.request({ ':path': '/sse?channel=live' })
    let text = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => (text += chunk))
    await waitFor(() => text.includes('$subscribed'), { message: 'the SSE stream' })
    const client = await TestClient.connect(`wss://127.0.0.1:${server.port}/ws`, {
      ca: certificate.cert,
    })
    await client.request({ action: 'subscribe', channel: 'live' })

    const tls = connectTls({
      port: server.port,
      host: '127.0.0.1',
      ca: certificate.cert,
      ALPNProtocols: ['http/1.1'],
    })
    await once(tls, 'secureConnect')
    const headers = await trickle(tls, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: a\r\n')
    assert.ok(headers.elapsedMs < HEADERS_TIMEOUT_MS + SLACK_MS, `${headers.elapsedMs} ms`)
    assert.match(headers.answer, /^HTTP\/1\.1 408/)

    const tlsBody = connectTls({
      port: server.port,
      host: '127.0.0.1',
      ca: certificate.cert,
      ALPNProtocols: ['http/1.1'],
    })
    await once(tlsBody, 'secureConnect')
    const body = await trickle(
      tlsBody,
      'POST /client/request HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n',
      'x',
    )
    assert.ok(body.elapsedMs < REQUEST_TIMEOUT_MS + SLACK_MS, `${body.elapsedMs} ms`)
    assert.match(body.answer, /^HTTP\/1\.1 408/)

    // A TCP connection that never starts the TLS handshake.
    const silent = connectTcp(server.port, '127.0.0.1')
    const stalled = await trickle(silent, '', '\u0016')
    assert.ok(stalled.elapsedMs < HEADERS_TIMEOUT_MS + SLACK_MS, `${stalled.elapsedMs} ms`)

    // An HTTP/2 session that never opens a stream.
    const started = Date.now()
    const idle = connectHttp2(`https://127.0.0.1:${server.port}`, { ca: certificate.cert })
    idle.on('error', () => {})
    await new Promise((resolve) => idle.once('close', resolve))
    const idleMs = Date.now() - started
    assert.ok(idleMs < HEADERS_TIMEOUT_MS + SLACK_MS, `idle session closed after ${idleMs} ms`)

    // An HTTP/2 request whose body trickles.
    const slowPost = session.request({
      ':method': 'POST',
      ':path': '/client/request',
      'content-type': 'application/json',
      'content-length': '1000',
    })
    slowPost.on('error', () => {})
    const postStarted = Date.now()
    const dripping = setInterval(() => slowPost.writable && slowPost.write(' '), 100)
    await new Promise((resolve) => slowPost.once('close', resolve))
    clearInterval(dripping)
    const postMs = Date.now() - postStarted
    assert.ok(postMs < REQUEST_TIMEOUT_MS + SLACK_MS, `slow body cut after ${postMs} ms`)

    const post = session.request({
      ':method': 'POST',
      ':path': '/v1/publish',
      authorization: 'Bearer test-api-key-0123456789',
      'content-type': 'application/json',
    })
    post.end(JSON.stringify({ channel: 'live', data: 'still here' }))
    post.resume()
    await waitFor(() => text.includes('"still here"'), { message: 'the event over HTTP/2' })
    assert.equal(stream.closed, false)
    assert.equal((await client.waitFrame((f) => f.type === 'message')).data, 'still here')
    assert.equal(client.closeCode, undefined, 'the wss:// connection outlived both limits')
    client.close()
  })
})
