/**
 * A room's view of its connections: identity, tags, attachment, send and close. A
 * `RoomSocket` is a WebSocket on this node; a `RelayedRoomSocket` is a client of another node
 * whose traffic that node relays here (see `relay.ts`).
 */
import { CloseCode, ErrorCode } from '@switchboard/protocol'
import type { WebSocket } from 'ws'
import { SwitchboardError } from '../errors.js'
import type { RoomConnection } from './types.js'

const MAX_TAGS = 10
const MAX_TAG_LENGTH = 256
const MAX_ATTACHMENT_BYTES = 16 * 1024

abstract class RoomConnectionBase implements RoomConnection {
  tags: readonly string[] = []
  attachment: unknown = undefined

  constructor(
    readonly id: string,
    readonly user: string | undefined,
    readonly info: unknown,
  ) {}

  setTags(tags: string[]): void {
    if (
      !Array.isArray(tags) ||
      tags.length > MAX_TAGS ||
      !tags.every(
        (tag) => typeof tag === 'string' && tag.length > 0 && tag.length <= MAX_TAG_LENGTH,
      )
    ) {
      throw new SwitchboardError(
        ErrorCode.BadRequest,
        `tags are at most ${MAX_TAGS} strings of 1-${MAX_TAG_LENGTH} characters`,
      )
    }
    this.tags = [...tags]
  }

  setAttachment(value: unknown): void {
    const size = Buffer.byteLength(JSON.stringify(value) ?? '')
    if (size > MAX_ATTACHMENT_BYTES) {
      throw new SwitchboardError(
        ErrorCode.MessageTooLarge,
        `attachment is ${size} bytes as JSON, at most ${MAX_ATTACHMENT_BYTES}`,
      )
    }
    this.attachment = value
  }

  send(message: unknown): void {
    this.sendText(typeof message === 'string' ? message : JSON.stringify(message))
  }

  abstract sendText(text: string): void
  abstract close(code?: number, reason?: string): void
}

export class RoomSocket extends RoomConnectionBase {
  constructor(
    id: string,
    user: string | undefined,
    info: unknown,
    private readonly ws: WebSocket,
  ) {
    super(id, user, info)
  }

  sendText(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text)
  }

  close(code: number = CloseCode.Normal, reason = ''): void {
    this.ws.close(code, reason)
  }
}

/** What a relayed connection's node does on the room's behalf. */
export interface RelayLink {
  send(node: string, connectionId: string, text: string): void
  close(node: string, connectionId: string, code: number, reason: string): void
}

export class RelayedRoomSocket extends RoomConnectionBase {
  constructor(
    id: string,
    user: string | undefined,
    info: unknown,
    /** The node holding the client's WebSocket. */
    readonly node: string,
    private readonly link: RelayLink,
  ) {
    super(id, user, info)
  }

  sendText(text: string): void {
    this.link.send(this.node, this.id, text)
  }

  close(code: number = CloseCode.Normal, reason = ''): void {
    this.link.close(this.node, this.id, code, reason)
  }
}

export type AnyRoomSocket = RoomSocket | RelayedRoomSocket
