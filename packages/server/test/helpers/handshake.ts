/** A bare WebSocket handshake that reports how the server answered it. */
import WebSocket from 'ws'

export interface HandshakeResult {
  /** 101 when the connection opened, else the HTTP status of the refusal. */
  status: number
  body: string
  headers: Record<string, string | string[] | undefined>
  /** The open socket (status 101), for the caller to close. */
  ws: WebSocket | undefined
}

export function handshake(
  url: string,
  options: WebSocket.ClientOptions = {},
): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options)
    ws.on('open', () => resolve({ status: 101, body: '', headers: {}, ws }))
    ws.on('unexpected-response', (_request, response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () =>
        resolve({ status: response.statusCode!, body, headers: response.headers, ws: undefined }),
      )
    })
    ws.on('error', reject)
  })
}
