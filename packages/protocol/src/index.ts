export {
  ErrorCode,
  CloseCode,
  ClientErrorCode,
  DocumentCloseCode,
  shouldReconnect,
  shouldReconnectDocument,
  closeReason,
  documentCloseReason,
} from './codes.js'
export type * from './frames.js'
export {
  decodeRequest,
  validateRequest,
  publishProblem,
  isStreamPosition,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_TOKEN_LENGTH,
} from './decode.js'
export { jsonDepthProblem, DEFAULT_MAX_JSON_DEPTH } from './json-depth.js'
export type { DecodeResult } from './decode.js'
export {
  channelNameProblem,
  eventNameProblem,
  namespaceOf,
  DEFAULT_EVENT,
  DEFAULT_MAX_CHANNEL_LENGTH,
  MAX_EVENT_LENGTH,
} from './names.js'
export { encodePositions, decodePositions } from './positions.js'
