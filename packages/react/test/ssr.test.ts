/**
 * The hooks on the server-rendering path, where no effect runs: they render the client's
 * current state without subscribing anything, and fail clearly without a provider. The live
 * behaviour (messages, presence, unmount) is tested in Chromium, see
 * packages/client/test/browser/.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createClient } from '@switchboard/client'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { SwitchboardProvider, useChannel, useConnectionState, usePresence } from '../src/index.js'

function Status() {
  const state = useConnectionState()
  const members = usePresence('room')
  useChannel('room', () => undefined)
  return createElement('p', null, `${state} with ${members.length} members`)
}

describe('react hooks without effects', () => {
  it('render the connection state and subscribe nothing', () => {
    const client = createClient({
      url: 'http://127.0.0.1:1',
      autoConnect: false,
      transports: ['sse'],
    })
    const html = renderToString(
      createElement(SwitchboardProvider, { client }, createElement(Status)),
    )
    assert.equal(html, '<p>disconnected with 0 members</p>')
    assert.equal(client.channel('room').subscribed, false)
    client.close()
  })

  it('name the missing provider', () => {
    assert.throws(() => renderToString(createElement(Status)), /SwitchboardProvider/)
  })
})
