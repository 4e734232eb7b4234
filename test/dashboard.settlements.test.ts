import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from './helpers/app.js';
import { connectWithKey, launchChromium, openDashboard, screenshot } from './helpers/browser.js';
import { manualClock } from './helpers/receiver.js';
import { api, listen, ok } from './helpers/sdk.js';
import { DAY, buy, createMarket, createSeller, netOf, parseCsv, sellerOrdersOf, sellerProduct, shipAndDeliver, type Market } from './helpers/settlements.js';

/**
 * The operations console's marketplace pages in real Chromium: an operator connects with an API
 * key, sees the sellers' pending balances, runs a settlement from the page, reads its payouts,
 * downloads the run as CSV (a real browser download) and runs both reconciliations. The server's
 * clock is manual so the delivered orders can be past the hold period.
 */
const clock = manualClock(Date.parse('2026-10-01T10:00:00Z'));
let t: TestApp;
let base: string;
let browser: Browser;
let market: Market;

beforeAll(async () => {
  t = await startTestApp({ now: clock.now });
  base = await listen(t);
  market = await createMarket(t);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t.close();
});

/** A seller named `name` with one delivered order of one `price` item; what the seller is owed for it. */
async function deliveredSale(name: string, price: number): Promise<{ seller: string; net: number }> {
  const seller = await createSeller(t, name);
  const sku = await sellerProduct(t, market, seller, price);
  const order = await buy(t, market, [{ sku }]);
  await shipAndDeliver(t, market, order, clock.now());
  const [so] = await sellerOrdersOf(t, order.id);
  return { seller, net: netOf(so!) };
}

const usd = (minor: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(minor / 100);

async function connect(): Promise<{ page: Page; errors: string[] }> {
  const opened = await openDashboard(browser, base, '/', { locale: 'en-US', acceptDownloads: true });
  await connectWithKey(opened.page, t.keys.secret);
  return opened;
}

describe('operations console: marketplace', () => {
  it('operator: run a settlement, then download the CSV', async () => {
    const a = await deliveredSale('Smith, "Quoted" & Co', 2500);
    const b = await deliveredSale(`Plain Goods`, 1200);
    const { page, errors } = await connect();

    // the sellers, with what they are owed still pending (delivered, within the hold period)
    await page.getByRole('link', { name: 'Sellers' }).click();
    const rowA = page.locator(`tr[data-seller="${a.seller}"]`);
    await rowA.waitFor();
    await expect.poll(() => rowA.textContent()).toContain(usd(a.net));
    expect(await rowA.textContent()).toContain('Smith, "Quoted" & Co');
    expect(await rowA.textContent()).toContain('active');
    await screenshot(page, 'sellers');

    // past the hold period, the operator runs today's settlement from the page
    clock.advance(8 * DAY);
    await page.getByRole('link', { name: 'Settlements' }).click();
    await page.getByText('No settlement runs yet.').waitFor();
    await page.getByRole('button', { name: 'Run settlement' }).click();
    await page.getByRole('status').filter({ hasText: 'Settled period 2026-10-09: 2 payouts.' }).waitFor();
    const runs = ok(await api(t).GET('/v1/settlements', { params: { query: { limit: 10 } } })).data;
    expect(runs).toHaveLength(1);
    const run = ok(await api(t).GET('/v1/settlements/{id}', { params: { path: { id: runs[0]!.id } }, headers: { accept: 'application/json' } }));
    if (typeof run === 'string') throw new Error('expected JSON');
    expect(run.payouts.map((p) => [p.seller_id, p.amount]).sort()).toEqual([[a.seller, a.net], [b.seller, b.net]].sort());
    const shown = page.locator(`[data-run="${run.id}"]`);
    for (const p of run.payouts) {
      const row = shown.locator(`tr[data-payout="${p.id}"]`);
      expect(await row.textContent()).toContain(usd(p.amount));
      expect(await row.textContent()).toContain(p.seller_name!);
    }
    expect(await shown.textContent()).toContain('No differences: the seller ledger agrees with the seller orders.');
    await page.getByRole('link', { name: run.id }).waitFor(); // the list shows the new run
    await screenshot(page, 'settlements');

    // the CSV download: a real file, one row per payout of the run
    const [download] = await Promise.all([page.waitForEvent('download'), shown.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`settlement-${run.period}-${run.id}.csv`);
    const [header, ...rows] = parseCsv(await fs.readFile(await download.path(), 'utf8'));
    expect(header).toEqual(['payout_id', 'seller_id', 'seller_name', 'currency', 'amount_minor', 'amount', 'entries_count', 'status']);
    expect(rows.map((r) => r[0]).sort()).toEqual(run.payouts.map((p) => p.id).sort());
    expect(rows.find((r) => r[1] === a.seller)).toEqual([run.payouts.find((p) => p.seller_id === a.seller)!.id, a.seller, 'Smith, "Quoted" & Co', 'USD', String(a.net), (a.net / 100).toFixed(2), '1', 'pending']);

    // running the same period again pays nothing twice: the page says so and shows the run
    await page.getByRole('button', { name: 'Run settlement' }).click();
    await page.getByRole('status').filter({ hasText: 'Period 2026-10-09 was already settled: this is its run.' }).waitFor();
    expect(ok(await api(t).GET('/v1/payouts', { params: { query: { limit: 100 } } })).data).toHaveLength(2);

    // the run's own page, from the list
    await page.getByRole('link', { name: run.id }).click();
    await page.getByRole('heading', { level: 1, name: `Settlement run ${run.id}` }).waitFor();
    await page.locator(`[data-run="${run.id}"] tr[data-payout]`).first().waitFor();
    expect(await page.locator('tr[data-payout]').count()).toBe(run.payouts.length);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('operator: reconcile payments and the seller ledger', async () => {
    const { page, errors } = await connect();
    await page.getByRole('link', { name: 'Reconciliation' }).click();
    await page.getByRole('button', { name: 'Reconcile payments now' }).click();
    const shown = page.locator('[data-recon-run]');
    await shown.waitFor();
    const id = (await shown.getAttribute('data-recon-run'))!;
    const run = ok(await api(t).GET('/v1/reconciliation/runs/{id}', { params: { path: { id } } }));
    expect(run.payments_checked).toBeGreaterThanOrEqual(2); // the two orders' payments
    expect(await shown.textContent()).toContain(`${run.payments_checked} payments, ${run.entries_checked} report entries`);
    expect(await shown.locator('[data-summary]').textContent()).toBe(`${run.summary.missing} missing, ${run.summary.extra} extra, ${run.summary.amount_mismatch} amount mismatches`);
    expect(await page.locator('tbody tr').count()).toBe(run.findings.length);

    await page.getByRole('button', { name: 'Reconcile seller ledger now' }).click();
    const ledger = page.getByRole('region', { name: 'Seller ledger findings' });
    await ledger.getByText('No differences: the seller ledger agrees with the seller orders.').waitFor();
    await screenshot(page, 'reconciliation');

    // an unknown run id shows the problem with its request id
    await page.getByLabel('Run id').fill('rcn_nope');
    await page.getByRole('button', { name: 'Open run' }).click();
    await page.getByRole('alert').filter({ hasText: /Request id: req_/ }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
