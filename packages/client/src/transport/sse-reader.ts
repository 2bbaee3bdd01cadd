/**
 * Reads a `text/event-stream` body as the HTML standard's event-stream parser does. The SDK
 * reads SSE over fetch rather than EventSource: EventSource cannot listen to event names it
 * does not know in advance, and cannot send an Authorization header.
 */

export interface SseEvent {
  /** `message` when the event has no `event:` field. */
  event: string
  data: string
  /** The last `id:` seen on the stream so far, as EventSource's `lastEventId`. */
  lastEventId: string
}

export interface SseHandlers {
  event(event: SseEvent): void
  /** A `retry:` field, in ms. */
  retry(delayMs: number): void
  /** Any chunk of bytes, comments included. */
  traffic(): void
}

/** Reads the stream until it ends; rejects when it breaks or its fetch is aborted. */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  handlers: SseHandlers,
): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const parser = new EventStreamParser(handlers)
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      handlers.traffic()
      parser.push(decoder.decode(value, { stream: true }))
    }
  } finally {
    reader.releaseLock()
  }
}

class EventStreamParser {
  private buffer = ''
  private event = ''
  private data: string[] = []
  private lastEventId = ''

  constructor(private readonly handlers: SseHandlers) {}

  /**
   * Splits lines on LF or CRLF. A lone CR as line end is legal SSE, but no Switchboard server
   * sends it, so it is not supported.
   */
  push(text: string): void {
    this.buffer += text
    let start = 0
    let newline = this.buffer.indexOf('\n', start)
    while (newline !== -1) {
      const end = this.buffer[newline - 1] === '\r' ? newline - 1 : newline
      this.line(this.buffer.slice(start, end))
      start = newline + 1
      newline = this.buffer.indexOf('\n', start)
    }
    this.buffer = this.buffer.slice(start)
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch()
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)

    switch (field) {
      case 'event':
        this.event = value
        return
      case 'data':
        this.data.push(value)
        return
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value
        return
      case 'retry':
        if (/^\d+$/.test(value)) this.handlers.retry(Number(value))
        return
    }
  }

  private dispatch(): void {
    const event = this.event === '' ? 'message' : this.event
    const data = this.data.join('\n')
    const hasData = this.data.length > 0
    this.event = ''
    this.data = []
    if (!hasData) return
    this.handlers.event({ event, data, lastEventId: this.lastEventId })
  }
}
