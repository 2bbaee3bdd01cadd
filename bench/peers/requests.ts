/**
 * The subset of Switchboard's JSON requests the raw `ws` peers understand: subscribe (answered
 * with `{"id","ok":true}`) and publish (not answered: the publisher ignores replies anyway).
 */

export type PeerRequest =
  | { action: 'subscribe'; id: unknown; channel: string }
  | { action: 'publish'; channel: string; data: unknown }

/** The request in `text`, or undefined when it is not one the peers serve. */
export function parseRequest(text: string): PeerRequest | undefined {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof body !== 'object' || body === null) return undefined

  const { action, channel, id, data } = body as Record<string, unknown>
  if (typeof channel !== 'string') return undefined
  if (action === 'subscribe') return { action, id, channel }
  if (action === 'publish') return { action, channel, data }
  return undefined
}

/** The delivery every peer sends, shaped like Switchboard's message push. */
export function deliveryOf(
  channel: string,
  data: unknown,
): { type: 'message'; channel: string; data: unknown } {
  return { type: 'message', channel, data }
}
