/**
 * Every open connection of this node by id and by user, for the management API and for
 * functions that message or close a connection. Transports add a connection once it is
 * accepted and remove it when it closes.
 *
 * The registry also names connections: an id is `<node id>.<random>`, so any node of a
 * cluster knows from an id alone which node holds the connection.
 */
import { randomBytes } from 'node:crypto'
import type { Connection } from './connection.js'

/** Separates the node id from the rest of a connection id; node ids never contain it. */
const NODE_SEPARATOR = '.'

/** The node holding a connection, from its id; undefined for an id not made by a registry. */
export function nodeOfConnection(connectionId: string): string | undefined {
  const end = connectionId.indexOf(NODE_SEPARATOR)
  return end <= 0 ? undefined : connectionId.slice(0, end)
}

export class ConnectionRegistry {
  private readonly byId = new Map<string, Connection>()
  private readonly byUser = new Map<string, Set<Connection>>()

  constructor(readonly nodeId: string) {}

  /** A new connection id, unique across the cluster. */
  newId(): string {
    return this.nodeId + NODE_SEPARATOR + randomBytes(12).toString('base64url')
  }

  add(connection: Connection): void {
    this.byId.set(connection.id, connection)
    const user = connection.identity.user
    if (user === undefined) return
    let set = this.byUser.get(user)
    if (set === undefined) this.byUser.set(user, (set = new Set()))
    set.add(connection)
  }

  remove(connection: Connection): void {
    if (this.byId.get(connection.id) !== connection) return
    this.byId.delete(connection.id)
    this.forgetUser(connection, connection.identity.user)
  }

  /** Moves a connection whose user changed (`connect` on a waiting connection). */
  rekey(connection: Connection, previousUser: string | undefined): void {
    if (!this.byId.has(connection.id)) return
    this.forgetUser(connection, previousUser)
    this.byId.delete(connection.id)
    this.add(connection)
  }

  /** Every open connection of this node. */
  all(): IterableIterator<Connection> {
    return this.byId.values()
  }

  get(id: string): Connection | undefined {
    return this.byId.get(id)
  }

  ofUser(user: string): Connection[] {
    return [...(this.byUser.get(user) ?? [])]
  }

  private forgetUser(connection: Connection, user: string | undefined): void {
    if (user === undefined) return
    const set = this.byUser.get(user)
    set?.delete(connection)
    if (set?.size === 0) this.byUser.delete(user)
  }
}
