/**
 * User code loaded from a directory: one module per name (`newMessage.ts`, `$connect.js`,
 * `game.ts`), TypeScript or JavaScript, whose default export is a function or a class: the
 * in-process functions, keyed by route, and the room classes, keyed by room type. With
 * `watch`, a changed file is imported again and replaces its export.
 */
import { watch, readdirSync, type FSWatcher } from 'node:fs'
import { basename, extname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Logger } from 'pino'
import { tsImport } from 'tsx/esm/api'
import type { FunctionHandler } from './types.js'

const EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs'])
/** Route keys a module name may give: an action name, or a `$`-prefixed reserved route. */
const ROUTE_KEY = /^\$?[A-Za-z0-9_.-]{1,64}$/

export class UserModules<T = FunctionHandler> {
  private readonly handlers = new Map<string, T>()
  private watcher: FSWatcher | undefined
  private version = 0

  private constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** Imports every module of `dir`; a module without a default function fails start. */
  static async load<T = FunctionHandler>(
    dir: string,
    watchChanges: boolean,
    logger: Logger,
  ): Promise<UserModules<T>> {
    const modules = new UserModules<T>(resolve(dir), logger)
    for (const file of readdirSync(modules.dir)) {
      if (routeOf(file) !== undefined) await modules.importFile(file)
    }
    if (watchChanges) modules.watch()
    return modules
  }

  get(route: string): T | undefined {
    return this.handlers.get(route)
  }

  routes(): string[] {
    return [...this.handlers.keys()]
  }

  close(): void {
    this.watcher?.close()
  }

  private async importFile(file: string): Promise<void> {
    const route = routeOf(file)!
    // A query string makes the module loader import a changed file again.
    const url = `${pathToFileURL(join(this.dir, file)).href}?v=${this.version++}`
    const module = (await tsImport(url, import.meta.url)) as { default?: unknown }
    let handler = module.default
    // A .ts file outside an ESM package compiles to CommonJS: its exports object is `default`.
    if (typeof handler === 'object' && handler !== null && 'default' in handler) {
      handler = handler.default
    }
    if (typeof handler !== 'function') {
      throw new Error(`${this.dir}/${file} must export a function or class as its default export`)
    }
    this.handlers.set(route, handler as T)
  }

  private watch(): void {
    this.watcher = watch(this.dir, (_event, file) => {
      if (file === null || routeOf(file) === undefined) return
      this.importFile(file).then(
        () => this.logger.info({ file }, 'function reloaded'),
        // A file mid-save or deleted: keep the previous handler, or drop a deleted one.
        (error: unknown) => {
          if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
            this.handlers.delete(routeOf(file)!)
            return
          }
          this.logger.warn({ err: error, file }, 'function reload failed')
        },
      )
    })
    this.watcher.unref()
  }
}

function routeOf(file: string): string | undefined {
  const extension = extname(file)
  if (!EXTENSIONS.has(extension) || file.endsWith('.d.ts')) return undefined
  const route = basename(file, extension)
  return ROUTE_KEY.test(route) ? route : undefined
}
