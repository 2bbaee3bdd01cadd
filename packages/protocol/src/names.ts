/**
 * Rules for channel and event names, shared so that clients can check before sending.
 */

/** Characters allowed in a channel name. `:` separates the namespace; `*` is kept for patterns. */
const CHANNEL_PATTERN = /^[A-Za-z0-9_\-.:@/=+,!~]+$/

/** @default 255 characters */
export const DEFAULT_MAX_CHANNEL_LENGTH = 255
/** @default 64 characters */
export const MAX_EVENT_LENGTH = 64
/** Event name used when a publication names none. */
export const DEFAULT_EVENT = 'message'

/** Why a channel name is refused, or undefined when it is valid. */
export function channelNameProblem(
  name: string,
  maxLength: number = DEFAULT_MAX_CHANNEL_LENGTH,
): string | undefined {
  if (name.length === 0) return 'channel name is empty'
  if (name.length > maxLength) {
    return `channel name is ${name.length} characters, the limit is ${maxLength}`
  }
  if (!CHANNEL_PATTERN.test(name)) {
    return 'channel name may hold only letters, digits and _ - . : @ / = + , ! ~'
  }
  return undefined
}

/**
 * The namespace of a channel: the part before the first `:`, or '' when there is none.
 * `chat:room-1` is in namespace `chat`; `news` is in the default namespace ''.
 */
export function namespaceOf(channel: string): string {
  const colon = channel.indexOf(':')
  return colon === -1 ? '' : channel.slice(0, colon)
}

/**
 * Why an event name is refused, or undefined when it is valid. Names starting with `$` are
 * reserved for the server's own SSE events; control characters would break SSE framing.
 */
export function eventNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'event name is empty'
  if (name.length > MAX_EVENT_LENGTH) {
    return `event name is ${name.length} characters, the limit is ${MAX_EVENT_LENGTH}`
  }
  if (name.startsWith('$')) return 'event names starting with $ are reserved'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'event name holds control characters'
  return undefined
}
