/** A self-signed certificate for 127.0.0.1 and localhost, made with the `openssl` CLI. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './tmp.js'

export interface Certificate {
  certFile: string
  keyFile: string
  /** The certificate itself, to trust as a CA in clients. */
  cert: Buffer
  remove(): void
}

export function makeCertificate(): Certificate {
  const { dir, remove } = tempDir('switchboard-tls-')
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  )
  return { certFile, keyFile, cert: readFileSync(certFile), remove }
}
