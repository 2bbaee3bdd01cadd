/**
 * The HTTP API of documents (Bearer API key, like every `/v1/` route): read a document's
 * content as JSON, apply an update from a server or serverless function, and list, create,
 * read and restore named versions. Document and version names are URL-encoded path segments
 * (`notes%3Aweekly`; a `/` in a name is `%2F`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode } from '@switchboard/protocol'
import type { Logger } from 'pino'
import type { Authenticator } from '../auth/authenticator.js'
import type { Limits } from '../config/defaults.js'
import type { DocumentService } from '../documents/service.js'
import { SwitchboardError, errorBody } from '../errors.js'
import type { Metrics } from '../metrics.js'
import {
  decodePathSegment,
  readBody,
  readJsonBody,
  requireMethod,
  sendError,
  sendJson,
} from './http-util.js'

export interface DocumentsApiDependencies {
  documents: DocumentService
  authenticator: Authenticator
  metrics: Metrics
  limits: Limits
  /** `documents.maxUpdateBytes`: the largest update body. */
  maxUpdateBytes: number
  logger: Logger
}

const ROUTE = /^\/v1\/documents\/([^/]+)(?:\/(updates|versions)(?:\/([^/]+)(?:\/(restore))?)?)?$/
/** Longest version name, in characters. @default 128 */
const MAX_VERSION_NAME_LENGTH = 128

export class DocumentsApi {
  constructor(private readonly deps: DocumentsApiDependencies) {}

  /** Serves the request if its path is under `/v1/documents/`; returns false otherwise. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): boolean {
    if (!url.pathname.startsWith('/v1/documents/')) return false
    this.serve(request, response, url).catch((error: unknown) => {
      if (!(error instanceof SwitchboardError)) {
        this.deps.logger.error({ err: error, path: url.pathname }, 'documents api request failed')
      }
      this.deps.metrics.errors.inc({ code: errorBody(error).code })
      sendError(response, error)
    })
    return true
  }

  private async serve(request: IncomingMessage, response: ServerResponse, url: URL) {
    // Reading and managing versions is `admin`; applying an update is a publish.
    const isUpdate = request.method === 'POST' && url.pathname.endsWith('/updates')
    await this.deps.authenticator.apiKey(request, isUpdate ? 'publish' : 'admin')
    const match = ROUTE.exec(url.pathname)
    if (match === null) throw new SwitchboardError(ErrorCode.NotFound, `no route ${url.pathname}`)

    const documents = this.deps.documents
    const name = decodePathSegment(match[1]!, 'document name')
    const [, , resource, rawVersion, action] = match
    const method = request.method ?? 'GET'

    if (resource === undefined) {
      requireMethod(method, 'GET')
      sendJson(response, 200, { name, content: await documents.content(name) })
      return
    }
    if (resource === 'updates') {
      if (rawVersion !== undefined) throw new SwitchboardError(ErrorCode.NotFound, 'no route')
      requireMethod(method, 'POST')
      await documents.applyUpdate(name, await this.readUpdate(request))
      sendJson(response, 200, { name, applied: true })
      return
    }
    if (rawVersion === undefined) {
      if (method === 'GET') {
        sendJson(response, 200, { name, versions: await documents.listVersions(name) })
        return
      }
      requireMethod(method, 'POST')
      const body = await readJsonBody(request, this.deps.limits.maxHttpBodyBytes)
      const version = versionName((body as { name?: unknown } | null)?.name)
      sendJson(response, 201, await documents.createVersion(name, version))
      return
    }

    const version = decodePathSegment(rawVersion, 'version name')
    if (action === 'restore') {
      requireMethod(method, 'POST')
      await documents.restoreVersion(name, version)
      sendJson(response, 200, { name, restored: version })
      return
    }
    requireMethod(method, 'GET')
    sendJson(response, 200, {
      name,
      version,
      content: await documents.versionContent(name, version),
    })
  }

  /**
   * An update as the raw body (`application/octet-stream`) or as JSON `{"update": base64}`.
   * The size limit is `documents.maxUpdateBytes`, on the decoded update.
   */
  private async readUpdate(request: IncomingMessage): Promise<Uint8Array> {
    const max = this.deps.maxUpdateBytes
    const type = request.headers['content-type'] ?? ''
    const binary = type.startsWith('application/octet-stream')
    // Base64 takes 4 bytes per 3, plus the JSON around it.
    const maxBodyBytes = binary ? max : Math.ceil((max * 4) / 3) + 1024
    let body: unknown
    try {
      if (binary) return new Uint8Array(await readBody(request, maxBodyBytes))
      body = await readJsonBody(request, maxBodyBytes)
    } catch (error) {
      if (error instanceof SwitchboardError && error.code === ErrorCode.PayloadTooLarge) {
        throw new SwitchboardError(
          ErrorCode.UpdateTooLarge,
          `the update is larger than the limit (documents.maxUpdateBytes) of ${max} bytes`,
        )
      }
      throw error
    }
    const encoded = (body as { update?: unknown } | null)?.update
    if (typeof encoded !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(encoded)) {
      throw new SwitchboardError(
        ErrorCode.BadRequest,
        'send the update as an application/octet-stream body or as JSON {"update": "<base64>"}',
      )
    }
    return new Uint8Array(Buffer.from(encoded, 'base64'))
  }
}

function versionName(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VERSION_NAME_LENGTH) {
    throw new SwitchboardError(
      ErrorCode.BadRequest,
      `body must be {"name": string of 1-${MAX_VERSION_NAME_LENGTH} characters}`,
    )
  }
  return value
}
