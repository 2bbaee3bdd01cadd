export { Switchboard } from './server.js'
export type { ServerSeams } from './server.js'
export { loadOptions, resolveOptions, applyDevMode, ConfigError } from './config/load.js'
export type { Overrides } from './config/load.js'
export {
  DEFAULT_OPTIONS,
  DEFAULT_LIMITS,
  DEFAULT_CHANNEL_OPTIONS,
  DEFAULT_DOCUMENT_OPTIONS,
} from './config/defaults.js'
export type {
  ServerOptions,
  NamespaceOptions,
  Limits,
  DocumentOptions,
  DocumentAccess,
} from './config/defaults.js'
export type { Broker, BrokerHandler, BrokerPublishResult } from './ports/broker.js'
export type {
  HistoryStore,
  StoredPublication,
  AppendOptions,
  ReadOptions,
  ReadResult,
} from './ports/history.js'
export type { PresenceStore } from './ports/presence.js'
export type { KeyValueStore } from './ports/store.js'
export type {
  FunctionEvent,
  FunctionContext,
  FunctionHandler,
  ConnectResult,
} from './functions/types.js'
export { signRequest } from './functions/http-target.js'
export type {
  DocumentStore,
  StoredDocument,
  DocumentVersion,
  DocumentRelay,
  DocumentRelayHandler,
} from './ports/documents.js'
export type { DocumentAccessPolicy } from './documents/access.js'
