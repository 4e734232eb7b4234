import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, which Playwright drives (playwright-core ships no browser). */
export const CHROMIUM = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of the main pages, kept as build artifacts (not committed). */
export const SCREENSHOTS = path.join(import.meta.dirname, '..', 'artifacts', 'screenshots');

/** Installs Debian's chromium where it is missing (CI machines run as root), then launches it headless. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox'] });
}

/** Saves a full-page screenshot of `page` as `<name>.png` among the artifacts. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Fails the test on anything the page logs as an error or throws: a dashboard that "works" while
 * its console fills with errors is broken.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    // a failed API call the page shows as a problem is expected in some steps; the browser logs its status line
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(msg.text());
  });
  return errors;
}
