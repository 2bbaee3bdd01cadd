/**
 * Restoring a version: the CRDT cannot rewind, so restoring means computing a new update that,
 * applied on top of the current state, makes the content equal to the version's. It is built
 * by replaying the changes made since the version on a copy of it and undoing them there.
 */
import * as Y from 'yjs'

const SINCE_VERSION = Symbol('changes since the version')

/** The update that turns `current` back into the content of `version` (a full-state update). */
export function restoreUpdate(current: Y.Doc, version: Uint8Array): Uint8Array {
  const copy = new Y.Doc({ gc: false })
  Y.applyUpdate(copy, version)
  const scope = [...current.share.keys()].map((name) => copy.get(name))
  const undo = new Y.UndoManager(scope, { trackedOrigins: new Set([SINCE_VERSION]) })

  const changes = Y.encodeStateAsUpdate(current, Y.encodeStateVector(copy))
  Y.applyUpdate(copy, changes, SINCE_VERSION)
  undo.undo()

  const update = Y.encodeStateAsUpdate(copy, Y.encodeStateVector(current))
  undo.destroy()
  copy.destroy()
  return update
}
