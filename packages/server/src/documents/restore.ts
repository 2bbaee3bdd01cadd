/**
 * Restoring a version: the CRDT cannot rewind, so restoring means computing a new update that,
 * applied on top of the current state, makes the content equal to the version's. It is built
 * by replaying the changes made since the version on a copy of it and undoing them there.
 */
import * as Y from 'yjs'
import { concreteType } from './content.js'

// Yjs types its top-level types as AbstractType<any>.
/* eslint-disable @typescript-eslint/no-explicit-any */

const SINCE_VERSION = Symbol('changes since the version')

/** The update that turns `current` back into the content of `version` (a full-state update). */
export function restoreUpdate(current: Y.Doc, version: Uint8Array): Uint8Array {
  const copy = new Y.Doc({ gc: false })
  Y.applyUpdate(copy, version)
  // The undo manager sees changes only on concrete types (Y.Text, Y.Map...), so each top-level
  // type of the copy takes the kind it has in the current document, or in the version.
  const scope: Y.AbstractType<any>[] = []
  for (const name of current.share.keys()) {
    const kind = concreteType(current, name) ?? concreteType(copy, name)
    if (kind !== undefined)
      scope.push(copy.get(name, kind.constructor as any) as Y.AbstractType<any>)
  }
  const undo = new Y.UndoManager(scope, { trackedOrigins: new Set([SINCE_VERSION]) })

  const changes = Y.encodeStateAsUpdate(current, Y.encodeStateVector(copy))
  Y.applyUpdate(copy, changes, SINCE_VERSION)
  undo.undo()

  const update = Y.encodeStateAsUpdate(copy, Y.encodeStateVector(current))
  undo.destroy()
  copy.destroy()
  return update
}
