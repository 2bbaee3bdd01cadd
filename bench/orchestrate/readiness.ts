/** Finding a free port and waiting until a freshly started server accepts connections. */
import http from 'node:http'
import net from 'node:net'

const POLL_INTERVAL_MS = 50

/** A port that was free a moment ago; the kernel hands out each one rarely enough to reuse. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', reject)
    probe.listen(0, host, () => {
      const address = probe.address()
      probe.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port)
        else reject(new Error('could not read the probe port'))
      })
    })
  })
}

function tcpAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

function httpOk(host: string, port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host, port, path, timeout: 1_000 }, (response) => {
      response.resume()
      resolve(response.statusCode === 200)
    })
    request.once('timeout', () => request.destroy())
    request.once('error', () => resolve(false))
  })
}

export interface ReadinessCheck {
  host: string
  port: number
  /** An HTTP path that answers 200 once the server is ready; plain TCP accept when absent. */
  healthPath?: string
  timeoutMs: number
  /** Stops waiting early when the server has already exited. */
  hasExited(): boolean
}

export async function waitUntilReady(check: ReadinessCheck): Promise<void> {
  const deadlineMs = performance.now() + check.timeoutMs
  while (performance.now() < deadlineMs) {
    if (check.hasExited()) throw new Error('server exited before it was ready')
    const ready =
      check.healthPath === undefined
        ? await tcpAccepts(check.host, check.port)
        : await httpOk(check.host, check.port, check.healthPath)
    if (ready) return
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS))
  }
  throw new Error(`server not ready on port ${check.port} within ${check.timeoutMs} ms`)
}
