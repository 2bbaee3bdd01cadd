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
  for (const name of [...doc.share.keys()]) {
    const type = concreteType(doc, name)
    content[name] = type instanceof Y.XmlFragment ? type.toString() : (type?.toJSON() ?? null)
  }
  return content
}

/**
 * The top-level type `name` as the concrete type its content shows (a type received from
 * peers is a bare `AbstractType` until someone asks for it by kind); undefined when it holds
 * nothing to tell.
 */
export function concreteType(doc: Y.Doc, name: string): Y.AbstractType<any> | undefined {
  const type = doc.share.get(name)
  if (type === undefined) return undefined
  if (
    type instanceof Y.Text ||
    type instanceof Y.Map ||
    type instanceof Y.Array ||
    type instanceof Y.XmlFragment
  ) {
    return type
  }
  if (type._map.size > 0) return doc.getMap(name)

  const first = firstContent(type)
  if (first instanceof Y.ContentType) {
    return first.type instanceof Y.XmlElement || first.type instanceof Y.XmlText
      ? doc.getXmlFragment(name)
      : doc.getArray(name)
  }
  if (first instanceof Y.ContentString || first instanceof Y.ContentFormat) return doc.getText(name)
  if (first === undefined) return undefined
  return doc.getArray(name)
}

/** The content of the first item that still says what it held (not collected as deleted). */
function firstContent(type: Y.AbstractType<any>): unknown {
  for (let item = type._start; item !== null; item = item.right) {
    if (!(item.content instanceof Y.ContentDeleted)) return item.content
  }
  return undefined
}
