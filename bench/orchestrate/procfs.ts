/** Reading a server's resource use from /proc (Linux only, which is where the bench runs). */
import { readFileSync } from 'node:fs'

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_SEC = 100

/** Resident set size (VmRSS) of `pid`, in KB. */
export function readRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`)
  return Number(match[1])
}

/** User plus system CPU time `pid` has used so far, in seconds. */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const userTicks = Number(fields[11])
  const systemTicks = Number(fields[12])
  return (userTicks + systemTicks) / CLOCK_TICKS_PER_SEC
}
