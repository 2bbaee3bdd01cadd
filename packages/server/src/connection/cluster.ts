/**
 * Connection operations that work whichever node of a cluster holds the connection: the
 * management API and functions use these, never the registry directly. A connection's id names
 * its node, so an operation on one connection goes to that node alone; an operation on a
 * user's connections asks every node. A node that does not answer holds nothing: its
 * connections count as gone.
 */
import { CloseCode } from '@switchboard/protocol'
import { NodeUnreachableError, type NodeMessage, type NodeRouter } from '../ports/router.js'
import type { Connection } from './connection.js'
import { nodeOfConnection, type ConnectionRegistry } from './registry.js'

/** What the management API tells about a connection. */
export interface ConnectionInfo {
  id: string
  user: string | null
  transport: string
  plan: string
  connectedAt: string
  lastActiveAt: string
  sourceIp: string
  subscriptions: string[]
}

/** The router messages this class sends and answers; every type starts with `connection.`. */
type ConnectionMessage =
  | { type: 'connection.describe'; id: string }
  | { type: 'connection.send'; id: string; data: string }
  | { type: 'connection.close'; id: string; code: number; reason: string }
  | { type: 'connection.describeUser'; user: string }
  | { type: 'connection.sendUser'; user: string; data: string }
  | { type: 'connection.closeUser'; user: string; code: number; reason: string }

export class ClusterConnections {
  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly router: NodeRouter,
    /** How long to wait for another node's answer, in ms. */
    private readonly timeoutMs: number,
  ) {}

  /** Whether a router message is one of this class's. */
  static owns(message: NodeMessage): boolean {
    return message.type.startsWith('connection.')
  }

  /** Describes a connection; undefined when it is not open anywhere. */
  async describe(id: string): Promise<ConnectionInfo | undefined> {
    const info = await this.one(id, { type: 'connection.describe', id })
    return (info ?? undefined) as ConnectionInfo | undefined
  }

  /** Sends `{"type":"direct","data":...}` to a connection; false when it is gone. */
  async send(id: string, dataJson: string): Promise<boolean> {
    return (await this.one(id, { type: 'connection.send', id, data: dataJson })) === true
  }

  /** Closes a connection with a code of the protocol's table; false when it is gone. */
  async close(id: string, code: number, reason: string): Promise<boolean> {
    return (await this.one(id, { type: 'connection.close', id, code, reason })) === true
  }

  async ofUser(user: string): Promise<ConnectionInfo[]> {
    const replies = await this.all({ type: 'connection.describeUser', user })
    return (replies as ConnectionInfo[][]).flat()
  }

  /** Sends to every connection of a user; resolves how many took it. */
  async sendToUser(user: string, dataJson: string): Promise<number> {
    return sum(await this.all({ type: 'connection.sendUser', user, data: dataJson }))
  }

  /** Closes every connection of a user; resolves how many there were. */
  async closeUser(user: string, code: number, reason: string): Promise<number> {
    return sum(await this.all({ type: 'connection.closeUser', user, code, reason }))
  }

  /** Answers a message from another node (or this one) about the connections held here. */
  handle(message: NodeMessage): unknown {
    const m = message as ConnectionMessage
    switch (m.type) {
      case 'connection.describe': {
        const connection = this.open(m.id)
        return connection === undefined ? null : describe(connection)
      }
      case 'connection.send':
        return this.open(m.id)?.sendDirect(m.data) ?? false
      case 'connection.close': {
        const connection = this.open(m.id)
        connection?.disconnect(closeCode(m.code), m.reason)
        return connection !== undefined
      }
      case 'connection.describeUser':
        return this.registry.ofUser(m.user).map(describe)
      case 'connection.sendUser':
        return this.registry.ofUser(m.user).filter((c) => c.sendDirect(m.data)).length
      case 'connection.closeUser': {
        const connections = this.registry.ofUser(m.user)
        for (const c of connections) c.disconnect(closeCode(m.code), m.reason)
        return connections.length
      }
    }
  }

  private open(id: string): Connection | undefined {
    const connection = this.registry.get(id)
    return connection === undefined || connection.closed ? undefined : connection
  }

  /** Runs a message on the node holding connection `id`; null when no node answers. */
  private async one(id: string, message: ConnectionMessage): Promise<unknown> {
    const node = nodeOfConnection(id)
    if (node === undefined) return null
    if (node === this.registry.nodeId) return this.handle(message)
    try {
      return await this.router.request(node, message, this.timeoutMs)
    } catch (error) {
      if (error instanceof NodeUnreachableError) return null
      throw error
    }
  }

  private all(message: ConnectionMessage): Promise<unknown[]> {
    return this.router.requestAll(message, this.timeoutMs)
  }
}

function describe(connection: Connection): ConnectionInfo {
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

/** A close code from another node, kept inside the application range. */
function closeCode(code: number): number {
  return Number.isInteger(code) && code >= 4000 && code <= 4999 ? code : CloseCode.ForceDisconnect
}

function sum(values: unknown[]): number {
  return values.reduce<number>((total, value) => total + (typeof value === 'number' ? value : 0), 0)
}
