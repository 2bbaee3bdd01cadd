/**
 * Child processes of the benchmark: spawned through `bash` so the file-descriptor limit can be
 * raised and the process pinned with `taskset` before it execs node (same pid all the way, so
 * /proc/<pid> is the node process). Every child is tracked and killed when the benchmark exits,
 * fails or is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process'

/** Bytes of a child's output kept for error messages. */
const OUTPUT_TAIL_BYTES = 4_096

export interface PinnedChild {
  readonly label: string
  readonly process: ChildProcess
  readonly pid: number
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  readonly exited: Promise<number | string>
  /** The last few KB of stdout and stderr, for error messages. */
  outputTail(): string
}

export interface SpawnOptions {
  label: string
  /** CPU to pin to with `taskset -c`, or null to leave the process unpinned. */
  core: number | null
  /** Soft limit on open files (`ulimit -n`); at most the hard limit. */
  maxOpenFiles: number
  command: string
  args: readonly string[]
  env?: Readonly<Record<string, string>>
  /** Opens a Node IPC channel to the child. */
  ipc?: boolean
}

const running = new Set<ChildProcess>()

export function spawnPinned(options: SpawnOptions): PinnedChild {
  const pin = options.core === null ? '' : 'taskset -c "$BENCH_CORE" '
  const script = `ulimit -n "$BENCH_MAX_OPEN_FILES" && exec ${pin}"$@"`
  const child = spawn('bash', ['-c', script, options.label, options.command, ...options.args], {
    env: {
      ...process.env,
      ...options.env,
      BENCH_CORE: String(options.core ?? ''),
      BENCH_MAX_OPEN_FILES: String(options.maxOpenFiles),
    },
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  })
  if (child.pid === undefined) throw new Error(`could not start ${options.label}`)
  running.add(child)

  let tail = ''
  const keepTail = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES)
  }
  child.stdout?.on('data', keepTail)
  child.stderr?.on('data', keepTail)
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child)
      resolve(code ?? signal ?? 'unknown')
    })
  })
  return { label: options.label, process: child, pid: child.pid, exited, outputTail: () => tail }
}

/** Asks the child to stop, then kills it if it has not exited within `graceMs`. */
export async function stopChild(child: PinnedChild, graceMs = 3_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return
  child.process.kill('SIGTERM')
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs)
  await child.exited
  clearTimeout(timer)
}

function killAll(): void {
  for (const child of running) child.kill('SIGKILL')
  running.clear()
}

/** Kills every child on exit and turns Ctrl-C or SIGTERM into a clean exit. */
export function installTeardown(): void {
  process.on('exit', killAll)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAll()
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
}
