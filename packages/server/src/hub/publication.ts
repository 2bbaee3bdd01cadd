/**
 * A publication on its way to subscribers. Each wire encoding (WebSocket frame, SSE event body)
 * is built at most once, on first use, and the same bytes then go to every subscriber.
 */
import type { PresenceMember } from '@switchboard/protocol'
import type { StoredPublication } from '../ports/history.js'
import { encodeTextFrame } from '../transport/ws-frame.js'

export class OutgoingPublication {
  private wsFrameCache: Buffer | undefined
  private sseBodyCache: string | undefined

  constructor(
    /** The channel name already encoded as a JSON string, quotes included. */
    readonly channelJson: string,
    readonly offset: number,
    readonly epoch: string,
    readonly event: string,
    /** JSON text of the published value. */
    readonly data: string,
  ) {}

  static fromStored(channelJson: string, stored: StoredPublication, epoch: string) {
    return new OutgoingPublication(channelJson, stored.offset, epoch, stored.event, stored.data)
  }

  /** The `message` push as one WebSocket text frame. */
  wsFrame(): Buffer {
    this.wsFrameCache ??= encodeTextFrame(
      `{"type":"message","channel":${this.channelJson},"event":${JSON.stringify(this.event)},` +
        `"data":${this.data},"offset":${this.offset},"epoch":"${this.epoch}"}`,
    )
    return this.wsFrameCache
  }

  /** The SSE `event:` and `data:` lines and the blank line ending the event. */
  sseBody(): string {
    this.sseBodyCache ??= `event: ${this.event}\ndata: ${this.data}\n\n`
    return this.sseBodyCache
  }
}

/** A presence join or leave on its way to subscribers, encoded once like a publication. */
export class OutgoingPresence {
  private wsFrameCache: Buffer | undefined
  private sseBodyCache: string | undefined
  private readonly json: string

  constructor(
    channel: string,
    readonly type: 'join' | 'leave',
    member: PresenceMember,
  ) {
    this.json = JSON.stringify({ type, channel, member })
  }

  wsFrame(): Buffer {
    this.wsFrameCache ??= encodeTextFrame(this.json)
    return this.wsFrameCache
  }

  /** SSE event `$join` or `$leave`; `$` marks events of the server, not of publishers. */
  sseBody(): string {
    this.sseBodyCache ??= `event: $${this.type}\ndata: ${this.json}\n\n`
    return this.sseBodyCache
  }
}
