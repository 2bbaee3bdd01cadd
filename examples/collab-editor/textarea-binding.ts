/**
 * A minimal editor binding: a `<textarea>` kept equal to a `Y.Text`. Local typing becomes one
 * delete-and-insert at the changed range; remote changes replace the value and move the
 * caret through the change so that it stays where the user was typing.
 */
import type * as Y from 'yjs'

interface Delta {
  insert?: unknown
  retain?: number
  delete?: number
}

/** Where `index` ends up after `delta` is applied before it. */
function moveThrough(index: number, delta: Delta[]): number {
  let at = 0
  for (const op of delta) {
    if (at > index) break
    if (op.retain !== undefined) at += op.retain
    else if (typeof op.insert === 'string') {
      index += op.insert.length
      at += op.insert.length
    } else if (op.delete !== undefined) index -= Math.min(op.delete, index - at)
  }
  return index
}

export function bindTextarea(text: Y.Text, area: HTMLTextAreaElement): void {
  area.value = text.toString()

  text.observe((event) => {
    if (event.transaction.local) return
    const delta = event.delta as Delta[]
    const start = moveThrough(area.selectionStart, delta)
    const end = moveThrough(area.selectionEnd, delta)
    area.value = text.toString()
    area.setSelectionRange(start, end)
  })

  area.addEventListener('input', () => {
    const before = text.toString()
    const after = area.value
    let prefix = 0
    while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) {
      prefix++
    }
    let suffix = 0
    while (
      suffix < before.length - prefix &&
      suffix < after.length - prefix &&
      before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
    ) {
      suffix++
    }
    text.doc!.transact(() => {
      text.delete(prefix, before.length - prefix - suffix)
      text.insert(prefix, after.slice(prefix, after.length - suffix))
    })
  })
}
