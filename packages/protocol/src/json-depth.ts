/**
 * A nesting check that runs on JSON text before it is parsed. `JSON.parse` itself copes with
 * deep input, but everything after it that walks the value (serialising, schema validation)
 * recurses, so a 10,000-deep array must be refused while it is still text.
 */

/** Default of `limits.maxJsonDepth`: deeper than any sensible message, far from stack limits. */
export const DEFAULT_MAX_JSON_DEPTH = 64

const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * A message when `text` nests objects and arrays deeper than `maxDepth`, else undefined.
 * Brackets inside strings do not count. Malformed text is left for `JSON.parse` to report.
 */
export function jsonDepthProblem(text: string, maxDepth: number): string | undefined {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
      continue
    }
    if (c === QUOTE) {
      inString = true
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) {
        return `JSON is nested more than ${maxDepth} levels deep (limits.maxJsonDepth)`
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
    }
  }
  return undefined
}
