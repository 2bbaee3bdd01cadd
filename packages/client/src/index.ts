/**
 * @switchboard/client: the client SDK. This release carries the protocol's shared tables so
 * applications can interpret replies and close codes; the connection API comes next.
 */
export {
  ErrorCode,
  CloseCode,
  shouldReconnect,
  closeReason,
  channelNameProblem,
  namespaceOf,
} from '@switchboard/protocol'
export type * from '@switchboard/protocol'
