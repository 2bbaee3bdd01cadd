/**
 * The one table of error codes and WebSocket close codes, shared by server and clients.
 *
 * Error codes are stable strings carried in `{ id, error: { code, message } }` replies and in
 * HTTP error bodies. Close codes are numeric; their range tells a client what to do:
 * - 4000-4499: temporary, reconnect with backoff and recover subscriptions;
 * - 4500-4999: terminal, do not reconnect without a change (new token, new code, user action).
 * Standard codes below 4000 follow RFC 6455; of those only 1008 and 1003 are terminal.
 */

/** Stable error codes carried in replies and HTTP error bodies. */
export const ErrorCode = {
  /** The frame or body is not valid JSON. */
  InvalidJson: 'invalid_json',
  /** The request is JSON but its shape is wrong: a field is missing or has the wrong type. */
  BadRequest: 'bad_request',
  /** The `action` names no built-in action (and no function). */
  UnknownAction: 'unknown_action',
  /** The channel name is empty, too long or has characters outside the allowed set. */
  InvalidChannel: 'invalid_channel',
  /** The event name is too long, has control characters or starts with the reserved `$`. */
  InvalidEvent: 'invalid_event',
  /** The published data, encoded as JSON, is larger than `limits.maxMessageBytes`. */
  MessageTooLarge: 'message_too_large',
  /** An HTTP body is larger than `limits.maxHttpBodyBytes`. */
  PayloadTooLarge: 'payload_too_large',
  /** The connection already holds `limits.maxSubscriptionsPerConnection` subscriptions. */
  TooManySubscriptions: 'too_many_subscriptions',
  /** The connection is already subscribed to this channel. */
  AlreadySubscribed: 'already_subscribed',
  /** The connection is not subscribed to this channel. */
  NotSubscribed: 'not_subscribed',
  /** No credentials, or credentials that are not valid. */
  Unauthorized: 'unauthorized',
  /** Valid credentials that do not allow this operation on this channel. */
  Forbidden: 'forbidden',
  /** Presence is disabled for the channel's namespace. */
  PresenceDisabled: 'presence_disabled',
  /** The `since` position cannot be served: its epoch changed or history was trimmed. */
  UnrecoverablePosition: 'unrecoverable_position',
  /** A request with more items than the documented limit (batch publish, history). */
  LimitExceeded: 'limit_exceeded',
  /** HTTP: no such route. */
  NotFound: 'not_found',
  /** HTTP: the route exists but not with this method. */
  MethodNotAllowed: 'method_not_allowed',
  /** The server is shutting down or not ready. */
  Unavailable: 'unavailable',
  /** A bug or an unexpected failure of a storage backend; the server keeps serving. */
  InternalError: 'internal_error',
  /** The token has expired: fetch a new one (and `refresh`, or reconnect with it). */
  TokenExpired: 'token_expired',
  /** Too many requests or bytes for a rate limit; retry later. */
  RateLimited: 'rate_limited',
  /** Published data does not match its namespace's JSON Schema; the message names the path. */
  InvalidPayload: 'invalid_payload',
  /** JSON nested deeper than `limits.maxJsonDepth`; refused before it is parsed. */
  JsonTooDeep: 'json_too_deep',
  /** A limit of the caller's plan, other than a rate, is reached (connections per user). */
  PlanLimitExceeded: 'plan_limit_exceeded',
  /** The function for the action threw, or its URL answered an error or garbage. */
  FunctionFailed: 'function_failed',
  /** The function for the action did not finish within its timeout. */
  FunctionTimeout: 'function_timeout',
  /** Management API: the connection is gone (closed, or never on this node). */
  ConnectionGone: 'connection_gone',

  // Transport security and admission
  /** The request's `Origin` is not in `security.allowedOrigins` (HTTP 403, before upgrade). */
  OriginNotAllowed: 'origin_not_allowed',
  /** A Yjs update larger than `documents.maxUpdateBytes`. */
  UpdateTooLarge: 'update_too_large',
  /** Applying the update would grow the document past `documents.maxDocumentBytes`. */
  DocumentTooLarge: 'document_too_large',
  /** The bytes are not a Yjs update, or a y-protocols message is malformed. */
  InvalidUpdate: 'invalid_update',
  /** A named version of a document already exists under that name. */
  VersionExists: 'version_exists',

  // Rooms
  /**
   * A room storage write carried a fence below the highest its room has seen: another node
   * owns the room now. Nothing was written.
   */
  RoomFenced: 'room_fenced',
  /** `doc.message` or `doc.close` for a document this connection has not open. */
  DocumentNotOpen: 'document_not_open',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** WebSocket close codes. See the module comment for the meaning of the ranges. */
export const CloseCode = {
  /** RFC 6455: normal closure, e.g. the client asked to close. */
  Normal: 1000,
  /** RFC 6455: a frame larger than `limits.maxFrameBytes`; reconnecting is allowed. */
  MessageTooBig: 1009,
  /** Internal error while serving the connection. */
  InternalError: 4000,
  /** The server is shutting down; reconnect after the delay sent in the `disconnect` push. */
  ServerShutdown: 4001,
  /** The outbound queue exceeded `limits.maxQueueBytes`; reconnect and recover. */
  SlowConsumer: 4002,
  /** Nothing (pong or frame) arrived from the client for a whole `heartbeat.intervalMs`. */
  HeartbeatTimeout: 4003,
  /**
   * The server asks the client to reconnect and recover its subscriptions, e.g. because its
   * node missed publications of a channel that history no longer holds.
   */
  ForceReconnect: 4005,
  /** The connection's token expired without a `refresh`; reconnect with a fresh token. */
  TokenExpired: 4006,
  /** The connection reached `limits.maxConnectionLifetimeMs`; reconnect and recover. */
  MaxLifetime: 4007,
  /** The user holds the most connections their plan allows; retry with backoff. */
  TooManyConnections: 4008,
  /**
   * Rooms: the room moved to another node of the cluster, or its node stopped or lost it;
   * reconnect, and the room is served again, from its storage, where it now lives.
   */
  RoomMoved: 4009,
  /** Credentials missing or invalid. Terminal: get a new token before reconnecting. */
  Unauthorized: 4500,
  /** Reserved: the client broke the protocol. Terminal. */
  ProtocolError: 4501,
  /** Reserved: disconnected on purpose by the server or an operator. Terminal. */
  ForceDisconnect: 4503,
  /** No application message for the plan's idle timeout. Terminal: reconnect on user action. */
  IdleTimeout: 4504,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

/** Whether a client that saw this close code should reconnect. */
export function shouldReconnect(code: number): boolean {
  if (code >= 4500 && code <= 4999) return false
  if (code === 1003 || code === 1008) return false
  return true
}

/** The stable string code sent as the close reason for each close code. */
export const closeReason: Readonly<Record<number, string>> = {
  [CloseCode.Normal]: 'normal',
  [CloseCode.MessageTooBig]: 'frame_too_large',
  [CloseCode.InternalError]: 'internal_error',
  [CloseCode.ServerShutdown]: 'server_shutdown',
  [CloseCode.SlowConsumer]: 'slow_consumer',
  [CloseCode.HeartbeatTimeout]: 'heartbeat_timeout',
  [CloseCode.ForceReconnect]: 'force_reconnect',
  [CloseCode.TokenExpired]: 'token_expired',
  [CloseCode.MaxLifetime]: 'max_lifetime',
  [CloseCode.TooManyConnections]: 'too_many_connections',
  [CloseCode.RoomMoved]: 'room_moved',
  [CloseCode.Unauthorized]: 'unauthorized',
  [CloseCode.ProtocolError]: 'protocol_error',
  [CloseCode.ForceDisconnect]: 'force_disconnect',
  [CloseCode.IdleTimeout]: 'idle_timeout',
}

/**
 * Close codes of the Yjs endpoint `/docs/{name}`. Its clients are unmodified y-websocket
 * providers, which give up reconnecting on 4400-4499 (the HTTP 4xx class: reconnecting cannot
 * help) and retry on every other code. This table follows that convention rather than the
 * ranges of `/ws` above; the shared codes (1000, 4000-4003) keep their meaning.
 */
export const DocumentCloseCode = {
  /** A y-protocols message that cannot be decoded, or bytes that are not a Yjs update. */
  ProtocolError: 4400,
  /** Credentials missing or invalid. */
  Unauthorized: 4401,
  /** The identity may not open this document (access `none`). */
  Forbidden: 4403,
  /** The document name in the path is not valid. */
  InvalidName: 4404,
  /** The update would grow the document past `documents.maxDocumentBytes`. */
  DocumentTooLarge: 4409,
  /** One update (or sync step 2) larger than `documents.maxUpdateBytes`. */
  UpdateTooLarge: 4413,
} as const
export type DocumentCloseCode = (typeof DocumentCloseCode)[keyof typeof DocumentCloseCode]

/** The stable string code sent as the close reason for each document close code. */
export const documentCloseReason: Readonly<Record<number, string>> = {
  [DocumentCloseCode.ProtocolError]: 'protocol_error',
  [DocumentCloseCode.Unauthorized]: 'unauthorized',
  [DocumentCloseCode.Forbidden]: 'forbidden',
  [DocumentCloseCode.InvalidName]: 'invalid_document_name',
  [DocumentCloseCode.DocumentTooLarge]: 'document_too_large',
  [DocumentCloseCode.UpdateTooLarge]: 'update_too_large',
}

/** Whether a client of `/docs/{name}` that saw this close code should reconnect. */
export function shouldReconnectDocument(code: number): boolean {
  return !(code >= 4400 && code <= 4499)
}

/**
 * Error codes raised by the client SDK itself, for conditions that never reach a server. They
 * share the string space of `ErrorCode`: no server code may take one of these names.
 */
export const ClientErrorCode = {
  /** The connection was lost before the reply arrived; the request may or may not have run. */
  Disconnected: 'disconnected',
  /** The client was closed, or the server closed the connection with a terminal code. */
  Closed: 'closed',
  /** The offline outbox is full (`outbox.maxMessages` or `outbox.maxBytes`). */
  OutboxFull: 'outbox_full',
} as const
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode]
