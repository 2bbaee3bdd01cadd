/**
 * Usage tiers. A token's `plan` claim names one of `plans`; tokens without one, and anonymous
 * connections, get `defaultPlan`. A plan's unset fields come from `limits`, so a server
 * without plans has one implicit plan, `default`, made of its limits.
 */
import type { PlanOptions, ServerOptions } from '../config/defaults.js'

export interface Plan extends PlanOptions {
  readonly name: string
}

/** Name of the implicit plan when `defaultPlan` is not set. */
export const DEFAULT_PLAN_NAME = 'default'

export class Plans {
  private readonly plans = new Map<string, Plan>()
  readonly fallback: Plan

  constructor(options: Pick<ServerOptions, 'plans' | 'defaultPlan' | 'limits'>) {
    const limits = options.limits
    const base: PlanOptions = {
      maxConnectionsPerUser: limits.maxConnectionsPerUser,
      messagesPerSecond: limits.messagesPerSecond,
      messageBurst: limits.messageBurst,
      bytesPerSecond: limits.bytesPerSecond,
      maxSubscriptions: limits.maxSubscriptionsPerConnection,
      history: true,
      idleTimeoutMs: limits.idleTimeoutMs,
    }
    for (const [name, plan] of Object.entries(options.plans)) {
      this.plans.set(name, { ...base, ...plan, name })
    }
    this.fallback =
      options.defaultPlan === undefined
        ? { ...base, name: DEFAULT_PLAN_NAME }
        : this.plans.get(options.defaultPlan)!
  }

  /** The named plan, the fallback for no name, or undefined for a name not configured. */
  resolve(name: string | undefined): Plan | undefined {
    if (name === undefined) return this.fallback
    return this.plans.get(name)
  }

  names(): string[] {
    return [this.fallback.name, ...this.plans.keys()].filter((n, i, all) => all.indexOf(n) === i)
  }
}
