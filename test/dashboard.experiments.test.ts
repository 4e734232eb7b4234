import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Schema, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { connectWithKey, launchChromium, openDashboard, screenshot } from './helpers/browser.js';
import { createStore, freshCountry, readyCart } from './helpers/commerce.js';
import { api, checkout, listen, ok } from './helpers/sdk.js';

/**
 * The operations console in real Chromium: an operator connects with the test secret key, reads an
 * experiment's results per variant (the same numbers the API computes from real exposures and
 * orders) and the recommendation models' offline metrics, builds a model and activates it.
 */
let t: TestApp;
let base: string;
let browser: Browser;
let admin: TesseraClient;
let shop: TesseraClient;

beforeAll(async () => {
  t = await startTestApp();
  base = await listen(t);
  admin = api(t);
  shop = api(t, t.keys.publishable);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t.close();
});

/** A page connected as the operator (the test secret key pasted on the Connect page). */
async function connect(): Promise<{ page: Page; errors: string[] }> {
  const opened = await openDashboard(browser, base, '/');
  await connectWithKey(opened.page, t.keys.secret);
  return opened;
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
const usd = (minor: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(minor / 100); // as the page formats money

describe('operations console: experiments', () => {
  it('view experiment results: the numbers per variant are the API’s', async () => {
    const e = ok(
      await admin.POST('/v1/experiments', {
        body: { key: 'dash-exp', name: 'Cart recommendations', slot: 'cart', status: 'running', variants: [{ key: 'control', weight: 50, strategy: 'popularity' }, { key: 'treatment', weight: 50, strategy: 'cooccurrence' }] },
      }),
      201,
    );
    // twelve shoppers are served cart recommendations (exposed); seven of them then buy
    const shoppers = Array.from({ length: 12 }, (_, i) => `anon_dash_${i}`);
    for (const s of shoppers) expect(ok(await shop.GET('/v1/recommendations', { params: { query: { slot: 'cart', anonymous_id: s } } })).experiment?.key).toBe('dash-exp');
    await t.modules.experiments.exposures.flush();
    const country = freshCountry();
    const store = await createStore(t, { country, prices: [2500, 4000] });
    for (const [i, s] of shoppers.entries()) {
      if (![0, 1, 2, 4, 6, 7, 9].includes(i)) continue;
      const cart = await readyCart(t, store, { country, sku: store.skus[i % 2]! });
      ok(await shop.PATCH('/v1/carts/{id}', { params: { path: { id: cart } }, body: { metadata: { anonymous_id: s } } }));
      ok(await checkout(shop, cart), 201);
    }
    await t.modules.dispatcher.drain();
    const results = ok(await admin.GET('/v1/experiments/{id}/results', { params: { path: { id: e.id } } }));
    expect(results.variants.reduce((n, v) => n + v.exposures, 0)).toBe(12);
    expect(results.variants.reduce((n, v) => n + v.conversions, 0)).toBe(7);
    expect(results.currency).toBe('USD');

    const { page, errors } = await connect();
    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('heading', { name: 'Experiments' }).waitFor();
    await page.getByRole('link', { name: e.id }).click();
    await page.getByRole('heading', { name: 'Experiment dash-exp' }).waitFor();
    await page.locator('tr[data-variant]').first().waitFor();

    const [control, treatment] = results.variants;
    const lift = control!.conversion_rate === 0 ? null : (treatment!.conversion_rate - control!.conversion_rate) / control!.conversion_rate;
    for (const v of results.variants) {
      const row = page.locator(`tr[data-variant="${v.variant}"]`);
      const cell = (col: string) => row.locator(`td[data-col="${col}"]`).textContent();
      expect(await cell('exposures')).toBe(String(v.exposures));
      expect(await cell('conversions')).toBe(String(v.conversions));
      expect(await cell('conversion_rate')).toBe(percent(v.conversion_rate));
      expect(await cell('orders')).toBe(String(v.orders));
      expect(await cell('revenue')).toBe(usd(v.revenue));
      expect(await cell('revenue_per_exposure')).toBe(usd(Math.round(v.revenue_per_exposure)));
      expect(await cell('average_order_value')).toBe(v.average_order_value === null ? '—' : usd(Math.round(v.average_order_value)));
      expect(await cell('p_value')).toBe(v.p_value === null ? '—' : v.p_value.toFixed(3));
    }
    if (lift !== null) expect(await page.locator('tr[data-variant="treatment"] td[data-col="lift"]').textContent()).toBe(`${lift >= 0 ? '+' : ''}${(lift * 100).toFixed(1)} %`);
    // the chart has a text alternative with the same rates
    const chart = page.getByRole('img', { name: /Conversion rate per variant/ });
    await chart.waitFor();
    for (const v of results.variants) await expect.poll(() => page.locator('figcaption').textContent()).toContain(`${v.variant}: ${percent(v.conversion_rate)} (${v.conversions} of ${v.exposures})`);
    await screenshot(page, 'experiment');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});

type Model = Schema<'RecommendationModel'>;

describe('operations console: recommendation models', () => {
  it('shows the offline metrics against popularity, builds a model with progress and activates it', async () => {
    // buyers of A_i also buy B_i; the held-out shoppers bought A_i, then B_i recently
    const at = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    const signals: { id: string; type: 'purchase'; product_id: string; customer_id: string; occurred_at: string }[] = [];
    const buy = (who: string, product: string, days: number) => signals.push({ id: `sig${signals.length}`, type: 'purchase', product_id: product, customer_id: who, occurred_at: at(days) });
    // noise: shoppers buy two neighbouring popular items, a third of them a third one later (popularity finds those)
    for (let j = 0; j < 30; j++) {
      buy(`r${j}`, `P${j % 5}`, 30 - (j % 20));
      buy(`r${j}`, `P${(j + 1) % 5}`, 30 - (j % 20));
      if (j < 10) buy(`r${j}`, `P${(j + 2) % 5}`, 1);
    }
    for (let i = 0; i < 6; i++) {
      for (let k = 0; k < 4; k++) for (const x of ['A', 'B']) buy(`c${i}_${k}`, `${x}${i}`, 20);
      for (let k = 0; k < 2; k++) for (const [x, days] of [['A', 15], ['B', 2]] as const) buy(`h${i}_${k}`, `${x}${i}`, days);
    }
    ok(await shop.POST('/v1/signals', { body: { signals } }));
    const v1: Model = ok(await admin.POST('/v1/recommendation_models/refresh'), 201);
    expect(v1.status).toBe('active');
    const m = v1.metrics!;
    expect(m.holdout_purchases).toBeGreaterThan(0);
    expect(m.popularity_recall_at_10).toBeGreaterThan(0);
    expect(m.recall_at_10).not.toBe(m.popularity_recall_at_10);

    const { page, errors } = await connect();
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('heading', { name: 'Recommendation models' }).waitFor();
    const row1 = page.locator('tr[data-version="1"]');
    await row1.waitFor();
    expect(await page.locator('[data-active-model]').textContent()).toContain('Active model: version 1');
    expect(await row1.textContent()).toContain('active (serving)');
    expect(await row1.locator('td[data-col="precision"]').textContent()).toContain(`${percent(m.precision_at_10)} (`);
    expect(await row1.locator('td[data-col="precision"]').textContent()).toContain(`popularity ${percent(m.popularity_precision_at_10)}`);
    expect(await row1.locator('td[data-col="recall"]').textContent()).toContain(`${percent(m.recall_at_10)} (`);
    expect(await row1.locator('td[data-col="recall"]').textContent()).toContain(`popularity ${percent(m.popularity_recall_at_10)}`);
    expect(await row1.locator('td[data-col="holdout"]').textContent()).toContain(`${m.holdout_purchases} purchases by ${m.holdout_subjects} shoppers`);

    // build version 2 without activating it, then activate it from its row
    // the build request is held until the page shows its progress
    let progressShown = false;
    await page.route('**/v1/recommendation_models/refresh*', async (route) => {
      await page.getByRole('progressbar', { name: 'Building a model from the latest signals' }).waitFor();
      progressShown = true;
      await route.continue();
    });
    await page.getByLabel('Activate it when built').uncheck();
    await page.getByRole('button', { name: 'Build a new model' }).click();
    await page.getByRole('status').filter({ hasText: 'Version 2 built: ready (not active).' }).waitFor();
    expect(progressShown).toBe(true);
    await page.getByRole('progressbar').waitFor({ state: 'detached' });
    const row2 = page.locator('tr[data-version="2"]');
    await row2.waitFor();
    expect(await row2.textContent()).toContain('ready (not active)');
    await row2.getByRole('button', { name: 'Activate version 2' }).click();
    await page.getByRole('status').filter({ hasText: 'Version 2 is active.' }).waitFor();
    await expect.poll(() => page.locator('tr[data-version="1"]').textContent()).toContain('retired');
    expect(await page.locator('[data-active-model]').textContent()).toContain('Active model: version 2');
    const listed = ok(await admin.GET('/v1/recommendation_models'));
    expect(listed.data.find((x) => x.status === 'active')?.version).toBe(2);
    await screenshot(page, 'models');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
