/**
 * The server's pre-encoded WebSocket frames, read back by `ws`'s own frame parser at every
 * length boundary of RFC 6455's three length encodings.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import * as ws from 'ws'
import { encodeBinaryFrame, encodeTextFrame } from '../../src/transport/ws-frame.js'

/** `ws` exports its frame parser, though its type definitions do not declare it. */
interface FrameReceiver extends NodeJS.WritableStream {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this
  on(event: 'error', listener: (error: Error) => void): this
}
const { Receiver } = ws as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => FrameReceiver
}

/** Parses server-to-client frames as a client does; resolves with the text messages. */
function parseFrames(bytes: Buffer, binary = false): Promise<string[]> {
  const messages: string[] = []
  const receiver = new Receiver({ isServer: false, maxPayload: 0 })
  receiver.on('message', (data: Buffer, isBinary: boolean) => {
    assert.equal(isBinary, binary)
    messages.push(binary ? data.toString('hex') : data.toString('utf8'))
  })
  return new Promise((resolve, reject) => {
    receiver.on('error', reject)
    receiver.write(bytes, () => resolve(messages))
  })
}

describe('WebSocket text frames', () => {
  it('are read back unchanged at every length boundary', async () => {
    for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
      const payload = 'x'.repeat(length)
      assert.deepEqual(await parseFrames(encodeTextFrame(payload)), [payload])
    }
  })

  it('carry any text, multi-byte included, and concatenate into a valid stream', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 300 }), { maxLength: 20 }),
        async (texts) => {
          const stream = Buffer.concat(texts.map((text) => encodeTextFrame(text)))
          assert.deepEqual(await parseFrames(stream), texts)
        },
      ),
      { seed: 20_261_203, numRuns: 200 },
    )
  })
})

describe('WebSocket binary frames', () => {
  it('are read back unchanged at every length boundary', async () => {
    for (const length of [0, 1, 125, 126, 65_535, 65_536, 70_000]) {
      const payload = Buffer.alloc(length, length % 251)
      assert.deepEqual(await parseFrames(encodeBinaryFrame(payload), true), [
        payload.toString('hex'),
      ])
    }
  })
})
