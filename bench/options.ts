/** Command-line options of `npm run bench`. */
import { SCENARIO_NAMES, type ScenarioName } from './scenarios.js'
import { SERVER_NAMES, type ServerName } from './servers.js'

export interface BenchOptions {
  quick: boolean
  scenarios: ScenarioName[]
  servers: ServerName[]
  /** Overrides the passes of the chosen timing when set. */
  passes?: number
  /** Pin server and load generator to separate cores with taskset. */
  pin: boolean
  /** Run the collaborative documents benchmark (`bench/documents/run.ts`) after the others. */
  documents: boolean
}

/** The `--only` name of the collaborative documents benchmark, which runs as its own program. */
export const DOCUMENTS = 'documents'

export const USAGE = `usage: npm run bench -- [options]
  --quick               short windows, one pass (a smoke test, not a measurement)
  --only <a,b>          scenarios: ${[...SCENARIO_NAMES, DOCUMENTS].join(', ')}
  --servers <a,b>       servers: ${SERVER_NAMES.join(', ')}
  --passes <n>          passes per measurement (median reported); default 2, 1 with --quick
  --no-pin              do not pin the processes with taskset
  --help                this text`

function pickList<Name extends string>(
  raw: string | undefined,
  allowed: readonly Name[],
  flag: string,
): Name[] {
  if (raw === undefined || raw === '') throw new Error(`${flag} needs a comma-separated list`)
  const names = raw.split(',').map((name) => name.trim())
  const unknown = names.filter((name) => !(allowed as readonly string[]).includes(name))
  if (unknown.length > 0) {
    throw new Error(`${flag}: unknown ${unknown.join(', ')}; choose from ${allowed.join(', ')}`)
  }
  // Keep the canonical order whatever order the list was given in.
  return allowed.filter((name) => names.includes(name))
}

/** Parses argv; throws with a message naming the flag at fault. Returns null for --help. */
export function parseOptions(argv: readonly string[]): BenchOptions | null {
  const options: BenchOptions = {
    quick: false,
    scenarios: [...SCENARIO_NAMES],
    servers: [...SERVER_NAMES],
    pin: true,
    documents: true,
  }
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]
    switch (flag) {
      case '--help':
        return null
      case '--quick':
        options.quick = true
        break
      case '--no-pin':
        options.pin = false
        break
      case '--only': {
        const names = (argv[++index] ?? '').split(',').map((name) => name.trim())
        options.documents = names.includes(DOCUMENTS)
        const others = names.filter((name) => name !== DOCUMENTS)
        options.scenarios =
          others.length === 0 && options.documents
            ? []
            : pickList(others.join(','), SCENARIO_NAMES, flag)
        break
      }
      case '--servers':
        options.servers = pickList(argv[++index], SERVER_NAMES, flag)
        break
      case '--passes': {
        const passes = Number(argv[++index])
        if (!Number.isInteger(passes) || passes < 1 || passes > 9) {
          throw new Error(`--passes takes a whole number from 1 to 9, got ${argv[index]}`)
        }
        options.passes = passes
        break
      }
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`)
    }
  }
  return options
}
