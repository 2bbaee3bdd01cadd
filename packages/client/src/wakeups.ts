/**
 * Browser signals that a connection is worth trying now rather than after the backoff delay:
 * the network came back (`online`) or a background tab became visible (timers of hidden tabs
 * are throttled, so its scheduled reconnect may be minutes away).
 */
export function watchWakeups(wake: () => void): () => void {
  const target = globalThis as Partial<Pick<Window, 'addEventListener' | 'removeEventListener'>>
  const doc = (globalThis as { document?: Document }).document
  const onVisibility = () => {
    if (doc?.visibilityState === 'visible') wake()
  }
  target.addEventListener?.('online', wake)
  doc?.addEventListener('visibilitychange', onVisibility)
  return () => {
    target.removeEventListener?.('online', wake)
    doc?.removeEventListener('visibilitychange', onVisibility)
  }
}
