/** Start-up checks of the transport-security options that a schema cannot express. */
import { parseOriginPattern } from '../security/origins.js'
import type { ServerOptions } from './defaults.js'
import { ConfigError } from './load.js'

export function checkTransportSecurity(options: ServerOptions): void {
  const tls = options.tls ?? {}
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    const missing = tls.certFile === undefined ? 'certFile (--tls-cert)' : 'keyFile (--tls-key)'
    throw new ConfigError(`tls.${missing} is missing: set both tls.certFile and tls.keyFile`)
  }

  options.security.allowedOrigins.forEach((entry, index) => {
    if (entry === '*') return
    const pattern = parseOriginPattern(entry)
    if (typeof pattern === 'string') {
      throw new ConfigError(`security.allowedOrigins.${index} "${entry}" ${pattern}`)
    }
  })

  const { headersTimeoutMs, requestTimeoutMs } = options.limits
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      `limits.headersTimeoutMs (${headersTimeoutMs}) must not exceed ` +
        `limits.requestTimeoutMs (${requestTimeoutMs})`,
    )
  }
}
