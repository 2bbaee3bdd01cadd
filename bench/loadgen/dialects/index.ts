import type { DialectName } from '../../ipc.js'
import type { Dialect } from './dialect.js'
import { JsonDialect } from './json.js'
import { SocketIoDialect } from './socket-io.js'

export function createDialect(name: DialectName): Dialect {
  switch (name) {
    case 'json':
      return new JsonDialect()
    case 'socket.io':
      return new SocketIoDialect()
  }
}

export type { Dialect } from './dialect.js'
