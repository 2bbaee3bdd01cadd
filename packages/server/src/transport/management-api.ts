/**
 * The management API, after API Gateway's `@connections`: message, inspect and close one
 * connection or every connection of a user, whichever node of the cluster holds them. A
 * connection that is not open anywhere answers 410 `connection_gone`, as API Gateway's
 * `GoneException` does, so a caller can forget it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { CloseCode, ErrorCode } from '@switchboard/protocol'
import type { Limits } from '../config/defaults.js'
import type { ClusterConnections } from '../connection/cluster.js'
import { SwitchboardError } from '../errors.js'
import { decodePathSegment, readJsonBody, requireMethod, sendJson } from './http-util.js'

const CONNECTION_ROUTE = /^\/v1\/connections\/([^/]+)(\/messages)?$/
const USER_ROUTE = /^\/v1\/users\/([^/]+)\/(connections|messages)$/
const CLOSED = 'closed by the management API'

export class ManagementApi {
  constructor(
    private readonly connections: ClusterConnections,
    private readonly limits: Limits,
  ) {}

  /** Serves the request if its path is a management route; resolves false otherwise. */
  async handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> {
    const method = request.method ?? 'GET'
    const connectionMatch = CONNECTION_ROUTE.exec(path)
    if (connectionMatch !== null) {
      const id = decodePathSegment(connectionMatch[1]!, 'connection id')
      if (connectionMatch[2] !== undefined) {
        requireMethod(method, 'POST')
        const data = await this.body(request)
        if (!(await this.connections.send(id, data))) throw gone(id)
        sendJson(response, 200, {})
        return true
      }
      if (method === 'GET') {
        sendJson(response, 200, (await this.connections.describe(id)) ?? throwGone(id))
        return true
      }
      requireMethod(method, 'DELETE')
      const closed = await this.connections.close(id, CloseCode.ForceDisconnect, CLOSED)
      if (!closed) throw gone(id)
      response.writeHead(204).end()
      return true
    }

    const userMatch = USER_ROUTE.exec(path)
    if (userMatch === null) return false
    const user = decodePathSegment(userMatch[1]!, 'user id')
    if (userMatch[2] === 'messages') {
      requireMethod(method, 'POST')
      const data = await this.body(request)
      sendJson(response, 200, { delivered: await this.connections.sendToUser(user, data) })
      return true
    }
    if (method === 'GET') {
      sendJson(response, 200, { connections: await this.connections.ofUser(user) })
      return true
    }
    requireMethod(method, 'DELETE')
    const closed = await this.connections.closeUser(user, CloseCode.ForceDisconnect, CLOSED)
    sendJson(response, 200, { closed })
    return true
  }

  /** The message to send, as JSON text, checked against `limits.maxMessageBytes`. */
  private async body(request: IncomingMessage): Promise<string> {
    const value = await readJsonBody(
      request,
      this.limits.maxHttpBodyBytes,
      this.limits.maxJsonDepth,
    )
    const json = JSON.stringify(value)
    const size = Buffer.byteLength(json)
    if (size > this.limits.maxMessageBytes) {
      throw new SwitchboardError(
        ErrorCode.MessageTooLarge,
        `message is ${size} bytes as JSON, the limit (limits.maxMessageBytes) is ${this.limits.maxMessageBytes}`,
      )
    }
    return json
  }
}

function gone(id: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.ConnectionGone, `connection ${id} is not open`)
}

function throwGone(id: string): never {
  throw gone(id)
}
