/**
 * The permission seam of documents: one function decides, per connection and document,
 * whether the connection may edit, only read, or not open the document. The server builds it
 * from the namespace options; token capabilities plug in by supplying another policy.
 */
import type { DocumentAccess } from '../config/defaults.js'
import type { ConnectionIdentity } from '../connection/connection.js'
import type { Namespaces } from '../hub/namespaces.js'

export type DocumentAccessPolicy = (
  identity: ConnectionIdentity,
  document: string,
) => DocumentAccess

/**
 * Access from the document's namespace (the part of its name before the first `:`): the
 * namespace's `documents` option, and `none` for anonymous connections on namespaces that are
 * not `public`. A token with a `channels` claim narrows it further: `publish` on a pattern
 * matching the document's name allows editing, `subscribe` alone reading, neither nothing.
 */
export function namespaceAccessPolicy(namespaces: Namespaces): DocumentAccessPolicy {
  return (identity, document) => {
    const options = namespaces.forChannel(document)
    if (identity.user === undefined && !options.public) return 'none'
    const grants = identity.grants
    if (grants === undefined || options.documents === 'none') return options.documents
    if (grants.allows(document, 'publish')) return options.documents
    return grants.allows(document, 'subscribe') ? 'read-only' : 'none'
  }
}
