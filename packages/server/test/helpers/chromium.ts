/**
 * Debian's Chromium (`/usr/bin/chromium`, or `SWITCHBOARD_CHROMIUM`) driven by playwright-core,
 * which never downloads a browser. Browser tests skip without it locally and fail in CI
 * (`CI=true`), where .ci/run installs it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

export const CHROMIUM = process.env.SWITCHBOARD_CHROMIUM ?? '/usr/bin/chromium'
const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** Why a browser test is skipped; throws when Chromium is missing in CI. */
export function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} not found: CI=true, so this fails`)
  return `${CHROMIUM} not found: browser test skipped`
}

export interface Browser {
  context: BrowserContext
  /** Closes the browser and removes its profile. */
  close(): Promise<void>
}

/** Headless Chromium with a fresh profile of its own. */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'))
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
    })
    return {
      context,
      close: async () => {
        await context.close().catch(() => undefined)
        rmSync(profile, { recursive: true, force: true })
      },
    }
  } catch (error) {
    rmSync(profile, { recursive: true, force: true })
    throw error
  }
}
