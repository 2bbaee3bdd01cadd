import type { LoadgenJob } from '../../ipc.js'
import type { Dialect } from './dialect.js'
import { JsonDialect } from './json.js'
import { SocketIoDialect } from './socket-io.js'

export function createDialect(job: LoadgenJob): Dialect {
  switch (job.dialect) {
    case 'switchboard': {
      const headers: Record<string, string> = {}
      if (job.apiKey !== undefined) headers['Authorization'] = `Bearer ${job.apiKey}`
      return new JsonDialect('/ws', headers)
    }
    case 'json-peer':
      return new JsonDialect('/ws', {})
    case 'socket.io':
      return new SocketIoDialect()
  }
}

export type { Dialect } from './dialect.js'
