/** The machine-readable copy of a run: every pass, every median, every target. */
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ScenarioPlan } from '../ipc.js'
import type { BenchOptions } from '../options.js'
import type { Placement } from '../orchestrate/pass.js'
import type { ScenarioName } from '../scenarios.js'
import type { ResultsByScenario, TargetCheck } from './targets.js'

export interface ResultsFile {
  generatedAt: string
  machine: { cpus: number; cpuModel: string; node: string; kernel: string }
  options: BenchOptions
  placement: Placement
  plans: Partial<Record<ScenarioName, ScenarioPlan>>
  results: ResultsByScenario
  targets: TargetCheck[]
}

export function machineDescription(): ResultsFile['machine'] {
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    node: process.version,
    kernel: os.release(),
  }
}

/** Writes `contents` as pretty JSON to `file`, creating its folder; returns the path written. */
export function writeResultsFile(file: string, contents: ResultsFile): string {
  mkdirSync(path.dirname(file), { recursive: true })
  // NaN (a figure a failed pass could not give) has no JSON form; null says the same thing.
  const json = JSON.stringify(contents, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value,
  )
  writeFileSync(file, `${JSON.stringify(JSON.parse(json), null, 2)}\n`)
  return file
}
