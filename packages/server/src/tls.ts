/** Reads the certificate and key named by `tls.certFile` and `tls.keyFile`. */
import { readFileSync } from 'node:fs'
import { ConfigError } from './config/load.js'
import type { ServerOptions } from './config/defaults.js'

export interface TlsCredentials {
  cert: Buffer
  key: Buffer
}

/**
 * The PEM files of `options.tls`, or undefined to serve plain HTTP. Both fields are checked to
 * be set together at config time; an unreadable file fails the start naming its field.
 */
export function readTlsCredentials(options: ServerOptions): TlsCredentials | undefined {
  const { certFile, keyFile } = options.tls ?? {}
  if (certFile === undefined || keyFile === undefined) return undefined
  return { cert: readPem(certFile, 'tls.certFile'), key: readPem(keyFile, 'tls.keyFile') }
}

function readPem(file: string, field: string): Buffer {
  try {
    return readFileSync(file)
  } catch (error) {
    throw new ConfigError(`cannot read ${field} ${file}: ${(error as Error).message}`)
  }
}
