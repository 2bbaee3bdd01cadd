/** A room's view of one WebSocket: identity, tags, attachment, send and close. */
import { CloseCode } from '@switchboard/protocol'
import type { WebSocket } from 'ws'
import { ErrorCode } from '@switchboard/protocol'
import { SwitchboardError } from '../errors.js'
import type { RoomConnection } from './types.js'

const MAX_TAGS = 10
const MAX_TAG_LENGTH = 256
const MAX_ATTACHMENT_BYTES = 16 * 1024

export class RoomSocket implements RoomConnection {
  tags: readonly string[] = []
  attachment: unknown = undefined

  constructor(
    readonly id: string,
    readonly user: string | undefined,
    readonly info: unknown,
    readonly ws: WebSocket,
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
    if (this.ws.readyState !== this.ws.OPEN) return
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message))
  }

  close(code: number = CloseCode.Normal, reason = ''): void {
    this.ws.close(code, reason)
  }
}
