/**
 * Channel grants from a token's `channels` claim: channel patterns mapped to capabilities.
 *
 * A pattern is a channel name where `*` stands for any run of characters (including none and
 * including `:`) and `{sub}` for the token's user id, so `user:{sub}` grants a user their own
 * channel only. A channel may be used for an operation when any pattern matching it lists that
 * capability.
 */
import { CAPABILITIES, type Capability } from '../config/defaults.js'

interface CompiledGrant {
  readonly pattern: RegExp
  readonly capabilities: ReadonlySet<Capability>
}

/** Most patterns one token may carry; bounds the work of every permission check. */
export const MAX_GRANT_PATTERNS = 64
/** Longest pattern, in characters. */
const MAX_PATTERN_LENGTH = 512
/** Most wildcards in one pattern: each adds backtracking to a match. */
const MAX_WILDCARDS = 4

export class ChannelGrants {
  private constructor(private readonly grants: readonly CompiledGrant[]) {}

  /**
   * Compiles a `channels` claim, or returns a message naming what is wrong with it. The user id
   * is substituted before compiling, literally: characters special in patterns are escaped.
   */
  static fromClaim(claim: unknown, user: string): ChannelGrants | string {
    if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) {
      return 'the channels claim must map channel patterns to capability lists'
    }
    const entries = Object.entries(claim)
    if (entries.length > MAX_GRANT_PATTERNS) {
      return `the channels claim has ${entries.length} patterns, at most ${MAX_GRANT_PATTERNS} are allowed`
    }

    const grants: CompiledGrant[] = []
    for (const [pattern, capabilities] of entries) {
      if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) {
        return `channel patterns must be 1-${MAX_PATTERN_LENGTH} characters`
      }
      if (pattern.split('*').length - 1 > MAX_WILDCARDS) {
        return `channel pattern "${pattern}" has more than ${MAX_WILDCARDS} wildcards`
      }
      if (!Array.isArray(capabilities) || !capabilities.every(isCapability)) {
        return `channels["${pattern}"] must be a list of ${CAPABILITIES.join(', ')}`
      }
      grants.push({ pattern: compile(pattern, user), capabilities: new Set(capabilities) })
    }
    return new ChannelGrants(grants)
  }

  allows(channel: string, capability: Capability): boolean {
    for (const grant of this.grants) {
      if (grant.capabilities.has(capability) && grant.pattern.test(channel)) return true
    }
    return false
  }
}

function isCapability(value: unknown): value is Capability {
  return (CAPABILITIES as readonly unknown[]).includes(value)
}

function compile(pattern: string, user: string): RegExp {
  const source = pattern
    .split('{sub}')
    .map((part) => part.split('*').map(escapeRegExp).join('.*'))
    .join(escapeRegExp(user))
  return new RegExp(`^${source}$`, 's')
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
}
