import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from './helpers/app.js';
import { connectWithKey, launchChromium, openDashboard, screenshot } from './helpers/browser.js';
import { createProduct } from './helpers/fixtures.js';
import { accessToken, signup } from './helpers/partners.js';
import { listen } from './helpers/sdk.js';

/**
 * The operator's health view and the partner's usage page in real Chromium: the numbers shown come
 * from this instance's metrics (GET /v1/metrics/summary) and the partner's metered usage.
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
  await t?.close();
});

function open(path: string): Promise<{ page: Page; errors: string[] }> {
  return openDashboard(browser, base, path);
}

/** The numbers in the cells of a route's row: requests, then the rest. */
const cells = async (page: Page, route: string) => (await page.locator(`tr[data-route="${route}"]`).getByRole('cell').allTextContents()).map((c) => c.trim());

describe('health and usage', () => {
  it('shows an operator the routes exercised, with counts, latency quantiles and error rates', async () => {
    const product = await createProduct(t);
    for (let i = 0; i < 4; i++) expect((await t.call('GET', `/v1/products/${product.id}`)).statusCode).toBe(200);
    expect((await t.call('GET', '/v1/products/prod_nope')).statusCode).toBe(404);

    const { page, errors } = await open('/');
    await connectWithKey(page, t.keys.secret);
    await page.getByRole('link', { name: 'Health' }).click();
    await page.getByRole('heading', { name: 'Instance health' }).waitFor();

    const route = 'GET /v1/products/:id';
    await page.locator(`tr[data-route="${route}"]`).waitFor();
    const [requests, p50, p95, p99, serverErrors, clientErrors] = await cells(page, route);
    expect(requests).toBe('5');
    for (const q of [p50, p95, p99]) expect(q).toMatch(/^\d+\.\d ms$/);
    expect(parseFloat(p50!)).toBeLessThanOrEqual(parseFloat(p95!));
    expect(parseFloat(p95!)).toBeLessThanOrEqual(parseFloat(p99!));
    expect(serverErrors).toBe('0.0% (0)');
    expect(clientErrors).toBe('20.0% (1)');
    expect(await cells(page, 'POST /v1/products')).toContain('1');
    // the product cache: the first read missed, the next three hit; the unknown id missed
    const [hits, misses, ratio] = (await page.locator('tr[data-cache="product"]').getByRole('cell').allTextContents()).map(Number.parseFloat);
    expect(hits).toBeGreaterThanOrEqual(3);
    expect(ratio).toBeCloseTo((hits! / (hits! + misses!)) * 100, 1);
    expect(await page.locator('[data-webhook-failure]').textContent()).toContain('0 failed of 0 delivery attempts');

    // sorting by 4xx rate puts the rates in descending order
    await page.getByRole('button', { name: 'Sort by 4xx rate' }).click();
    expect(await page.getByRole('columnheader', { name: 'Sort by 4xx rate' }).getAttribute('aria-sort')).toBe('descending');
    const rates = (await page.getByRole('table', { name: 'Routes' }).locator('tbody tr td:last-child').allTextContents()).map((c) => parseFloat(c));
    expect(rates.length).toBeGreaterThan(2);
    expect([...rates].sort((a, b) => b - a)).toEqual(rates);

    // more traffic, then Refresh shows it
    for (let i = 0; i < 3; i++) await t.call('GET', `/v1/products/${product.id}`);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(async () => (await cells(page, route))[0]).toBe('8');
    await screenshot(page, 'health');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it("shows a partner its API calls against the quota, and the upcoming invoice", async () => {
    const partner = await signup(t, { name: 'Usage Apps', email: 'usage@acme.example' });
    const token = await accessToken(t, partner.credentials);
    for (let i = 0; i < 6; i++) expect((await t.call('GET', '/v1/products?limit=3', { key: token })).statusCode).toBe(200);
    const before = (await t.call('GET', '/v1/usage', { key: token })).json<{ data: { meters: { api_calls: { quantity: number } } }[] }>();
    const counted = before.data[0]!.meters.api_calls.quantity;
    expect(counted).toBe(7); // the six reads and this usage call itself

    const { page, errors } = await open('/');
    await page.getByLabel('Client id').fill(partner.credentials.client_id);
    await page.getByLabel('Client secret').fill(partner.credentials.client_secret);
    await page.getByRole('button', { name: 'Get a token and connect' }).click();
    await page.getByText('pending approval (sandbox only)').waitFor(); // the Overview read the partner (one more call)
    expect(await page.getByRole('link', { name: 'Health' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Usage' }).click();

    // the dashboard's own calls count too: the Overview's GET /v1/partner and this page's GET /v1/usage
    const bar = page.getByRole('img', { name: /^API calls: / });
    await bar.waitFor();
    const label = (await bar.getAttribute('aria-label'))!;
    expect(label).toMatch(new RegExp(`^API calls: ${counted + 2} of [\\d,]+ free`));
    expect(await page.getByRole('listitem').filter({ hasText: 'API calls' }).textContent()).toContain(`${counted + 2} used of`);
    await page.getByRole('table', { name: 'Upcoming invoice lines' }).waitFor();
    expect(await page.locator('[data-invoice-total]').textContent()).toMatch(/^\D*0(\.0+)?$/);
    await screenshot(page, 'usage');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
