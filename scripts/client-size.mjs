/**
 * Prints the size of @switchboard/client as an application ships it: bundled from the
 * package's build output with its one dependency (@switchboard/protocol), minified by
 * esbuild, then gzipped with node:zlib at the default level. `--metafile` lists the inputs
 * by their share of the minified bundle. Exits 1 above the 12 KB budget, or when the main
 * entry pulls in Yjs. Also prints `@switchboard/client/yjs` (its Yjs peers left out), which
 * only applications using documents ship.
 */
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const BUDGET_BYTES = 12 * 1024

/** A package entry bundled, minified, as a browser application ships it. */
function bundle(specifier, options = {}) {
  return build({
    entryPoints: [fileURLToPath(import.meta.resolve(specifier))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    ...options,
  })
}

const result = await bundle('@switchboard/client', { metafile: true })
const code = result.outputFiles[0].contents
const yjsInputs = Object.keys(result.metafile.inputs).filter((path) =>
  /node_modules\/(yjs|y-protocols|lib0)\//.test(path),
)
const gzipped = gzipSync(code).length

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
console.log(`@switchboard/client: ${kb(code.length)} minified, ${kb(gzipped)} gzipped`)
console.log(
  `budget: ${kb(BUDGET_BYTES)} gzipped (${((gzipped / BUDGET_BYTES) * 100).toFixed(0)} %)`,
)

if (process.argv.includes('--metafile')) {
  const inputs = Object.values(result.metafile.outputs)[0].inputs
  const rows = Object.entries(inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
  for (const [path, { bytesInOutput }] of rows) {
    console.log(`${String(bytesInOutput).padStart(7)}  ${path}`)
  }
}
const documents = await bundle('@switchboard/client/yjs', {
  external: ['yjs', 'y-protocols', 'lib0'],
})
const documentsCode = documents.outputFiles[0].contents
console.log(
  `@switchboard/client/yjs: ${kb(documentsCode.length)} minified, ` +
    `${kb(gzipSync(documentsCode).length)} gzipped ` +
    '(the main entry included; yjs, y-protocols, lib0 left out)',
)

if (yjsInputs.length > 0) {
  console.log(`the main entry must not bundle Yjs, but it includes ${yjsInputs.join(', ')}`)
  process.exit(1)
}
if (gzipped > BUDGET_BYTES) process.exit(1)
