import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from './helpers/app.js';
import { accessibilityProblems, launchChromium, watchErrors } from './helpers/browser.js';
import { accessToken, signup } from './helpers/partners.js';
import { listen } from './helpers/sdk.js';

/**
 * Every page of the dashboard, as an operator and as a partner, is usable by keyboard and screen
 * reader: labelled controls, named buttons and links, scoped column headers, one h1; the skip link
 * and the navigation work from the keyboard alone; nothing errors in the console.
 */
let t: TestApp;
let base: string;
let browser: Browser;
beforeAll(async () => {
  t = await startTestApp();
  base = await listen(t);
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await t.close();
});

const OPERATOR_PAGES = ['/', '/sandbox', '/webhooks', '/requests', '/keys', '/orders', '/sellers', '/settlements', '/reconciliation', '/experiments', '/models', '/health'];
const PARTNER_PAGES = ['/', '/sandbox', '/webhooks', '/requests', '/keys', '/usage'];

describe('accessibility', () => {
  it('the connect and signup pages, and every operator page', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = watchErrors(page);
    await page.goto(`${base}/dashboard/#/signup`);
    await page.getByRole('heading', { name: 'Sign up as a partner' }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.goto(`${base}/dashboard/#/`);
    await page.getByRole('heading', { name: 'Connect' }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);

    // keyboard only: type the key, submit with Enter, then reach a page through the navigation
    await page.getByLabel('API key', { exact: true }).focus();
    await page.keyboard.type(t.keys.secret);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.keyboard.press('Tab'); // the skip link comes first
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('main');
    await page.getByRole('link', { name: 'Webhooks' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Webhook endpoints' }).waitFor();

    for (const path of OPERATOR_PAGES) {
      await page.goto(`${base}/dashboard/#${path}`);
      await page.locator('h1').waitFor();
      await page.waitForLoadState('networkidle');
      expect(await accessibilityProblems(page), path).toEqual([]);
    }
    // the audit sees what it looks for: an unlabelled field and an empty button
    await page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=stray><button></button>')");
    expect(await accessibilityProblems(page)).toEqual(['input#stray has no label', 'button has no accessible name']);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('every partner page', async () => {
    const { credentials } = await signup(t, { scopes: ['catalog:read', 'webhooks:read'] });
    await accessToken(t, credentials); // the credentials work
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = watchErrors(page);
    await page.goto(`${base}/dashboard/#/`);
    await page.getByLabel('Client id').fill(credentials.client_id);
    await page.getByLabel('Client secret').fill(credentials.client_secret);
    await page.getByRole('button', { name: 'Get a token and connect' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    for (const path of PARTNER_PAGES) {
      await page.goto(`${base}/dashboard/#${path}`);
      await page.locator('h1').waitFor();
      await page.waitForLoadState('networkidle');
      expect(await accessibilityProblems(page), path).toEqual([]);
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
