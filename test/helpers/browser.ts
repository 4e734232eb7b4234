import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

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

/** A new page at the dashboard's `path` (hash route), with its console watched (`watchErrors`). */
export async function openDashboard(browser: Browser, base: string, path = '/', options: BrowserContextOptions = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, ...options });
  const errors = watchErrors(page);
  await page.goto(`${base}/dashboard/#${path}`);
  return { page, errors };
}

/** Connects `page` (on the Connect page) with an API key pasted in, as an operator does, and waits for the overview. */
export async function connectWithKey(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
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

/**
 * What every page must satisfy to be usable without a mouse or a screen: each form control has a
 * label (a `<label for>`, or aria-label), each button and link a name, each table column header a
 * scope, and the page one `<h1>`. Returns the offenders, described.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // runs in the page (a string: this project's TypeScript has no DOM types outside web/)
  return page.evaluate<string[]>(`(() => {
    const problems = [];
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.getAttribute('name') ? '[name=' + el.getAttribute('name') + ']' : '');
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      const labelled = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!labelled) problems.push(describe(el) + ' has no label');
    }
    for (const el of document.querySelectorAll('button, a[href]')) {
      const name = (el.textContent || '').trim() || el.getAttribute('aria-label');
      if (!name) problems.push(describe(el) + ' has no accessible name');
    }
    for (const th of document.querySelectorAll('thead th')) if (!th.getAttribute('scope')) problems.push('column header "' + th.textContent + '" has no scope');
    const h1 = document.querySelectorAll('h1').length;
    if (h1 !== 1) problems.push(h1 + ' h1 headings');
    return problems;
  })()`);
}
