/**
 * A document's content as plain JSON, for server-side rendering and search. The server never
 * declares the document's types, so each top-level type is read by what it holds: keys make a
 * map, XML elements a fragment (as XML text), strings a text, anything else an array.
 */
import * as Y from 'yjs'

// Yjs types its top-level types as AbstractType<any>.
/* eslint-disable @typescript-eslint/no-explicit-any */

export function documentContent(doc: Y.Doc): Record<string, unknown> {
  const content: Record<string, unknown> = {}
  for (const [name, type] of doc.share) content[name] = typeContent(doc, name, type)
  return content
}

function typeContent(doc: Y.Doc, name: string, type: Y.AbstractType<any>): unknown {
  if (type instanceof Y.Text || type instanceof Y.Map || type instanceof Y.Array) {
    return type.toJSON()
  }
  if (type instanceof Y.XmlFragment) return type.toString()
  if (type._map.size > 0) return doc.getMap(name).toJSON()

  const first = firstContent(type)
  if (first instanceof Y.ContentType) {
    return first.type instanceof Y.XmlElement || first.type instanceof Y.XmlText
      ? doc.getXmlFragment(name).toString()
      : doc.getArray(name).toJSON()
  }
  if (first instanceof Y.ContentString || first instanceof Y.ContentFormat) {
    return doc.getText(name).toString()
  }
  if (first === undefined) return null
  return doc.getArray(name).toJSON()
}

/** The content of the first item that still says what it held (not collected as deleted). */
function firstContent(type: Y.AbstractType<any>): unknown {
  for (let item = type._start; item !== null; item = item.right) {
    if (!(item.content instanceof Y.ContentDeleted)) return item.content
  }
  return undefined
}
