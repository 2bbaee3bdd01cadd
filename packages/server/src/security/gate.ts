/**
 * The checks every connection passes before a transport sees it, in order of cost: the
 * browser origin, then per-IP admission. They run before the WebSocket handshake and before
 * any token is verified, so refused traffic costs a map lookup and a short response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { ErrorCode } from '@switchboard/protocol'
import type { ServerOptions } from '../config/defaults.js'
import { SwitchboardError } from '../errors.js'
import type { ServerStats } from '../metrics.js'
import { sendError } from '../transport/http-util.js'
import { Admission, AdmissionRefusal, clientAddress } from './admission.js'
import { applyCors } from './cors.js'
import { OriginPolicy } from './origins.js'
import { refuseUpgrade } from './refusal.js'

/** Routes a browser page on another origin may call; they get CORS headers. */
const CORS_ROUTES = ['/sse', '/client/request', '/v1/']
/** Routes that act for a browser user, so a foreign origin is refused outright. */
const ORIGIN_CHECKED_ROUTES = new Set(['/sse', '/client/request'])
/** Routes that hold a connection open, counted by admission. */
const ADMITTED_ROUTES = new Set(['/sse'])

export class TransportGate {
  readonly admission: Admission
  private readonly origins: OriginPolicy

  constructor(
    private readonly options: Pick<ServerOptions, 'security' | 'limits'>,
    private readonly stats: ServerStats,
  ) {
    this.origins = new OriginPolicy(options.security.allowedOrigins)
    this.admission = new Admission(options.limits)
  }

  /** Checks a WebSocket upgrade; a refused one is answered on the socket and false returned. */
  upgrade(request: IncomingMessage, socket: Duplex): boolean {
    const refusal = this.originRefusal(request) ?? this.admit(request, socket)
    if (refusal === undefined) return true
    const headers = refusal instanceof AdmissionRefusal ? retryAfter(refusal) : {}
    refuseUpgrade(socket, refusal, headers)
    return false
  }

  /**
   * Applies CORS, the origin check and admission to an HTTP request. Returns false when the
   * request has been answered here (a preflight or a refusal).
   */
  request(request: IncomingMessage, response: ServerResponse, path: string): boolean {
    if (!CORS_ROUTES.some((route) => path === route || path.startsWith(route))) return true
    if (applyCors(this.origins, request, response)) return false

    const checked = ORIGIN_CHECKED_ROUTES.has(path) || request.method === 'OPTIONS'
    const refusal =
      (checked ? this.originRefusal(request) : undefined) ??
      (ADMITTED_ROUTES.has(path) ? this.admit(request, response) : undefined)
    if (refusal === undefined) return true
    if (refusal instanceof AdmissionRefusal) response.setHeader('Retry-After', refusal.retryAfterS)
    sendError(response, refusal)
    return false
  }

  close(): void {
    this.admission.close()
  }

  private originRefusal(request: IncomingMessage): SwitchboardError | undefined {
    const origin = request.headers.origin
    if (this.origins.allows(origin)) return undefined
    this.stats.originRefusals++
    return new SwitchboardError(
      ErrorCode.OriginNotAllowed,
      `origin ${origin} is not in security.allowedOrigins`,
    )
  }

  /** Admits the connection and releases it when `closable` (socket or response) closes. */
  private admit(
    request: IncomingMessage,
    closable: { once(event: 'close', listener: () => void): unknown },
  ): AdmissionRefusal | undefined {
    const address = clientAddress(request, this.options.security.trustProxy)
    const result = this.admission.admit(address)
    if (result instanceof AdmissionRefusal) {
      this.stats.admissionRefusals++
      return result
    }
    closable.once('close', result)
    return undefined
  }
}

function retryAfter(refusal: AdmissionRefusal): Record<string, number> {
  return { 'Retry-After': refusal.retryAfterS }
}
