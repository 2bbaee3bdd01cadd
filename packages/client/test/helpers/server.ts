/**
 * Real servers for client tests, built on the server package's test helpers: in-process
 * servers, and a CLI child process that a test can kill and start again on the same port.
 */
import { tempDir } from '../../../server/test/helpers/tmp.js'
import { API_KEY, startChild, type ChildServer } from '../../../server/test/helpers/server.js'

export { API_KEY, startServer, type TestServer } from '../../../server/test/helpers/server.js'

type Config = Record<string, unknown>

/**
 * `switchboard serve` in a child process with SQLite in a temporary directory, so history
 * survives a kill. It binds port 0 at first and comes back on the port it got.
 */
export class RestartableServer {
  private child: ChildServer | undefined
  private readonly data = tempDir('switchboard-client-test-')
  port = 0

  constructor(private readonly config: Config) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    const args = ['--host', '127.0.0.1', '--port', String(this.port), '--data-dir', this.data.dir]
    this.child = await startChild(args, { SWITCHBOARD_LOG_LEVEL: 'error' }, this.config)
    this.port = this.child.port
  }

  /** SIGKILL: no goodbye to clients, as in a crash. */
  async kill(): Promise<void> {
    await this.child?.kill('SIGKILL')
    this.child = undefined
  }

  async dispose(): Promise<void> {
    await this.kill()
    this.data.remove()
  }
}

/** Publishes over the HTTP API; retries while the server is down, with a stable key. */
export async function publishHttp(
  baseUrl: string | (() => string),
  channel: string,
  data: unknown,
  idempotencyKey?: string,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const base = typeof baseUrl === 'string' ? baseUrl : baseUrl()
    let refused: string | undefined
    try {
      const response = await fetch(`${base}/v1/publish`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ channel, data, idempotencyKey }),
      })
      if (response.ok) return
      if (response.status < 500) refused = await response.text()
    } catch (error) {
      if (attempt > 500) throw error
    }
    if (refused !== undefined) throw new Error(`publish refused: ${refused}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The data of a channel's publications, read over the HTTP API. */
export async function historyData(baseUrl: string, channel: string): Promise<unknown[]> {
  const response = await fetch(`${baseUrl}/v1/channels/${channel}/history?limit=1000`, {
    headers: { Authorization: `Bearer ${API_KEY}` },
  })
  const body = (await response.json()) as { publications: Array<{ data: unknown }> }
  return body.publications.map((p) => p.data)
}

/** Open connections by transport, as the server's `/metrics` reports them. */
export async function connectionCount(baseUrl: string, transport = 'websocket'): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text()
  const line = new RegExp(`^switchboard_connections\\{transport="${transport}"\\} (\\d+)`, 'm')
  return Number(line.exec(text)?.[1] ?? NaN)
}

/** Subscribers of a channel on the server (connections, not tabs), from `GET /v1/channels`. */
export async function subscriberCount(baseUrl: string, channel: string): Promise<number> {
  const response = await fetch(`${baseUrl}/v1/channels`, {
    headers: { Authorization: `Bearer ${API_KEY}` },
  })
  const body = (await response.json()) as {
    channels: Array<{ channel: string; subscribers: number }>
  }
  return body.channels.find((c) => c.channel === channel)?.subscribers ?? 0
}
