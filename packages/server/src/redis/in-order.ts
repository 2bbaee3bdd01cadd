/**
 * Commands that must reach Redis in the order they were issued, per key (a node, a document).
 * A Cluster client retries a command that met a connecting or moving shard later, so a
 * command issued after it could overtake it: these wait for the previous one of their key.
 */
export class InOrder {
  /** Per key, the last command issued: the next one waits for it to settle. */
  private readonly last = new Map<string, Promise<unknown>>()

  /** Runs `command` once the previous command of `key` settled; resolves with its result. */
  run<T>(key: string, command: () => Promise<T>): Promise<T> {
    const previous = this.last.get(key) ?? Promise.resolve()
    const result = previous.then(command, command)
    const settled = result.then(
      () => undefined,
      () => undefined,
    )
    this.last.set(key, settled)
    void settled.then(() => {
      if (this.last.get(key) === settled) this.last.delete(key)
    })
    return result
  }
}
