/**
 * The management API, after API Gateway's `@connections`: message, inspect and close one
 * connection or every connection of a user. A connection that is not open on this node answers
 * 410 `connection_gone`, as API Gateway's `GoneException` does, so a caller can forget it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { CloseCode, ErrorCode } from '@switchboard/protocol'
import type { Limits } from '../config/defaults.js'
import type { Connection } from '../connection/connection.js'
import type { ConnectionRegistry } from '../connection/registry.js'
import { SwitchboardError } from '../errors.js'
import { decodePathSegment, readJsonBody, requireMethod, sendJson } from './http-util.js'

const CONNECTION_ROUTE = /^\/v1\/connections\/([^/]+)(\/messages)?$/
const USER_ROUTE = /^\/v1\/users\/([^/]+)\/(connections|messages)$/

export class ManagementApi {
  constructor(
    private readonly registry: ConnectionRegistry,
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
        if (!this.connection(id).sendDirect(data)) throw gone(id)
        sendJson(response, 200, {})
        return true
      }
      if (method === 'GET') {
        sendJson(response, 200, describe(this.connection(id)))
        return true
      }
      requireMethod(method, 'DELETE')
      this.connection(id).disconnect(CloseCode.ForceDisconnect, 'closed by the management API')
      response.writeHead(204).end()
      return true
    }

    const userMatch = USER_ROUTE.exec(path)
    if (userMatch === null) return false
    const user = decodePathSegment(userMatch[1]!, 'user id')
    const connections = this.registry.ofUser(user)
    if (userMatch[2] === 'messages') {
      requireMethod(method, 'POST')
      const data = await this.body(request)
      const delivered = connections.filter((c) => c.sendDirect(data)).length
      sendJson(response, 200, { delivered })
      return true
    }
    if (method === 'GET') {
      sendJson(response, 200, { connections: connections.map(describe) })
      return true
    }
    requireMethod(method, 'DELETE')
    for (const c of connections)
      c.disconnect(CloseCode.ForceDisconnect, 'closed by the management API')
    sendJson(response, 200, { closed: connections.length })
    return true
  }

  private connection(id: string): Connection {
    const connection = this.registry.get(id)
    if (connection === undefined || connection.closed) throw gone(id)
    return connection
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

function describe(connection: Connection) {
  return {
    id: connection.id,
    user: connection.identity.user ?? null,
    transport: connection.transport,
    plan: connection.identity.plan.name,
    connectedAt: new Date(connection.connectedAt).toISOString(),
    lastActiveAt: new Date(connection.lastMessageAt).toISOString(),
    sourceIp: connection.address,
    subscriptions: [...connection.subscriptions.keys()],
  }
}

function gone(id: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.ConnectionGone, `connection ${id} is not open`)
}
