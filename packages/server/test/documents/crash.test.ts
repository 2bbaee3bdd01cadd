/**
 * No lost edit across `kill -9`: the server is killed while a client types, right after an
 * edit reached another client (which happens only once it was appended to the store); after a
 * restart on the same data directory, everything any client had seen is there.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { connectProvider, waitSynced, type TestProvider } from '../helpers/documents.js'
import { CHILD_CONFIG, startChild, type ChildServer } from '../helpers/server.js'
import { tempDir } from '../helpers/tmp.js'
import { waitFor } from '../helpers/wait.js'

describe('documents survive kill -9', () => {
  const tmp = tempDir()
  const providers: TestProvider[] = []
  let child: ChildServer | undefined

  after(async () => {
    for (const provider of providers) provider.destroy()
    await child?.kill('SIGKILL')
    tmp.remove()
  })

  it('keeps every acknowledged edit', async () => {
    for (let round = 0; round < 3; round++) {
      child = await startChild(['--port', '0', '--data-dir', tmp.dir], {}, CHILD_CONFIG)
      const writer = connectProvider(child.port, 'crash:doc')
      const observer = connectProvider(child.port, 'crash:doc')
      providers.push(writer, observer)
      await waitSynced(writer, observer)
      const before = observer.text.toString()

      // Type one character per update until the observer has seen 30 of this round's.
      let typed = 0
      const typing = setInterval(() => {
        writer.text.insert(writer.text.length, String.fromCharCode(97 + (typed++ % 26)))
      }, 2)
      await waitFor(() => observer.text.length >= before.length + 30, {
        message: 'the observer to see 30 new characters',
      })
      await child.kill('SIGKILL')
      const seen = observer.text.toString()
      clearInterval(typing)
      writer.destroy()
      observer.destroy()

      child = await startChild(['--port', '0', '--data-dir', tmp.dir], {}, CHILD_CONFIG)
      const reader = connectProvider(child.port, 'crash:doc')
      providers.push(reader)
      await waitSynced(reader)
      const recovered = reader.text.toString()
      assert.ok(
        recovered.startsWith(seen),
        `round ${round}: the observer saw ${seen.length} characters, ${recovered.length} survived`,
      )
      reader.destroy()
      await child.kill('SIGTERM')
    }
  })
})
