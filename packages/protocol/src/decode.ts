/**
 * Decoding of client requests. The decoder never throws: every input, however malformed,
 * yields either a typed request or an error with a stable code, and the id of the request
 * when one could be read so that the error reply can be matched by the client.
 */
import { ErrorCode } from './codes.js'
import { DEFAULT_MAX_JSON_DEPTH, jsonDepthProblem } from './json-depth.js'
import type {
  BuiltinRequest,
  CustomRequest,
  ErrorBody,
  RequestId,
  StreamPosition,
} from './frames.js'

export type DecodeResult =
  | { ok: true; request: BuiltinRequest | CustomRequest }
  | { ok: false; id?: RequestId; error: ErrorBody }

const CHANNEL_ACTIONS = new Set(['subscribe', 'unsubscribe', 'publish', 'presence', 'history'])
const AUTH_ACTIONS = new Set(['connect', 'refresh'])
const DOCUMENT_ACTIONS = new Set(['doc.open', 'doc.message', 'doc.close'])
/** Base64 text as `doc.message` carries it (standard alphabet, padded). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
/** Longest accepted token, in characters. */
export const MAX_TOKEN_LENGTH = 8192
/** Longest accepted string id; ids are echoed back, so they must stay small. */
const MAX_ID_LENGTH = 64
/** Longest accepted action name. */
const MAX_ACTION_LENGTH = 64
/** Longest accepted idempotency key. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128

/**
 * Parses and validates one text frame. Frames nested deeper than `maxJsonDepth` are refused
 * before they are parsed, so a hostile frame never reaches `JSON.parse`.
 */
export function decodeRequest(text: string, maxJsonDepth = DEFAULT_MAX_JSON_DEPTH): DecodeResult {
  const depth = jsonDepthProblem(text, maxJsonDepth)
  if (depth !== undefined) return fail(undefined, ErrorCode.JsonTooDeep, depth)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return fail(undefined, ErrorCode.InvalidJson, 'frame is not valid JSON')
  }
  return validateRequest(value)
}

/** Validates an already parsed value as a request. */
export function validateRequest(value: unknown): DecodeResult {
  if (!isRecord(value)) {
    return fail(undefined, ErrorCode.BadRequest, 'request must be a JSON object')
  }

  const id = value.id
  if (id !== undefined && !isRequestId(id)) {
    return fail(
      undefined,
      ErrorCode.BadRequest,
      `id must be a finite number or a string of at most ${MAX_ID_LENGTH} characters`,
    )
  }
  const action = value.action
  if (typeof action !== 'string' || action.length === 0 || action.length > MAX_ACTION_LENGTH) {
    return fail(
      id,
      ErrorCode.BadRequest,
      `action must be a string of 1-${MAX_ACTION_LENGTH} characters`,
    )
  }

  if (action === 'ping')
    return { ok: true, request: id === undefined ? { action } : { id, action } }
  if (AUTH_ACTIONS.has(action)) {
    const token = value.token
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      return fail(
        id,
        ErrorCode.BadRequest,
        `token must be a string of 1-${MAX_TOKEN_LENGTH} characters`,
      )
    }
    return { ok: true, request: value as unknown as BuiltinRequest }
  }
  if (DOCUMENT_ACTIONS.has(action)) {
    const problem = documentProblem(action, value)
    if (problem !== undefined) return fail(id, ErrorCode.BadRequest, problem)
    return { ok: true, request: value as unknown as BuiltinRequest }
  }
  if (!CHANNEL_ACTIONS.has(action)) return { ok: true, request: value as CustomRequest }

  const problem = builtinProblem(action, value)
  if (problem !== undefined) return fail(id, ErrorCode.BadRequest, problem)
  return { ok: true, request: value as unknown as BuiltinRequest }
}

function builtinProblem(action: string, value: Record<string, unknown>): string | undefined {
  if (typeof value.channel !== 'string') return 'channel must be a string'

  switch (action) {
    case 'subscribe':
      return value.since === undefined ? undefined : positionProblem('since', value.since)
    case 'publish':
      return publishProblem(value)
    case 'history': {
      if (value.since !== undefined) {
        const problem = positionProblem('since', value.since)
        if (problem !== undefined) return problem
      }
      const limit = value.limit
      if (limit !== undefined && !(Number.isSafeInteger(limit) && (limit as number) >= 0)) {
        return 'limit must be a non-negative integer'
      }
      return undefined
    }
    default:
      return undefined
  }
}

function documentProblem(action: string, value: Record<string, unknown>): string | undefined {
  if (typeof value.doc !== 'string') return 'doc must be a string'
  if (action !== 'doc.message') return undefined
  const data = value.data
  if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) {
    return 'data must be base64 text (standard alphabet, padded)'
  }
  const { part, parts } = value
  if (part === undefined && parts === undefined) return undefined
  if (!Number.isSafeInteger(parts) || (parts as number) < 2) {
    return 'parts must be an integer of 2 or more, given with part'
  }
  if (
    !Number.isSafeInteger(part) ||
    (part as number) < 0 ||
    (part as number) >= (parts as number)
  ) {
    return 'part must be an integer from 0 to parts - 1'
  }
  return undefined
}

/** Checks the fields of a publish, shared by the WebSocket and HTTP publish paths. */
export function publishProblem(value: Record<string, unknown>): string | undefined {
  if (typeof value.channel !== 'string') return 'channel must be a string'
  if (!('data' in value) || value.data === undefined) return 'data is required'
  if (value.event !== undefined && typeof value.event !== 'string') {
    return 'event must be a string'
  }
  const key = value.idempotencyKey
  if (
    key !== undefined &&
    (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)
  ) {
    return `idempotencyKey must be a string of 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters`
  }
  return undefined
}

function positionProblem(field: string, value: unknown): string | undefined {
  if (!isRecord(value)) return `${field} must be an object {offset, epoch}`
  if (!Number.isSafeInteger(value.offset) || (value.offset as number) < 0) {
    return `${field}.offset must be a non-negative integer`
  }
  if (typeof value.epoch !== 'string' || value.epoch.length === 0) {
    return `${field}.epoch must be a non-empty string`
  }
  return undefined
}

/** Whether a value is a valid stream position. */
export function isStreamPosition(value: unknown): value is StreamPosition {
  return positionProblem('position', value) === undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isRequestId(id: unknown): id is RequestId {
  if (typeof id === 'number') return Number.isFinite(id)
  return typeof id === 'string' && id.length <= MAX_ID_LENGTH
}

function fail(id: RequestId | undefined, code: ErrorCode, message: string): DecodeResult {
  return id === undefined
    ? { ok: false, error: { code, message } }
    : { ok: false, id, error: { code, message } }
}
