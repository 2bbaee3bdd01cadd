/**
 * A scripted WebSocket for unit tests of the connection state machine: the test opens,
 * answers and closes each socket by hand.
 */
export class FakeWebSocket {
  static instances: FakeWebSocket[] = []
  onopen: (() => void) | null = null
  onmessage: ((event: { data: string }) => void) | null = null
  onerror: (() => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  readonly sent: Array<Record<string, unknown>> = []
  closedByClient = false

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this)
  }

  static get last(): FakeWebSocket {
    return FakeWebSocket.instances.at(-1)!
  }

  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, unknown>)
  }

  close(): void {
    this.closedByClient = true
  }

  open(): void {
    this.onopen?.()
  }

  push(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }

  /** Answers every request not answered yet with `ok` and `fields`. */
  replyAll(fields: Record<string, unknown> = {}): void {
    for (const request of this.sent.splice(0)) this.push({ id: request.id, ok: true, ...fields })
  }

  serverClose(code: number): void {
    this.onclose?.({ code, reason: '' })
  }
}
