import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Schema, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { connectWithKey, launchChromium, openDashboard, screenshot } from './helpers/browser.js';
import { checkout, createStore, freshCountry, readyCart } from './helpers/commerce.js';
import { api, listen, ok } from './helpers/sdk.js';

/**
 * The operations console in real Chromium: an operator connects with the test secret key, finds
 * an order whose payment failed over from one processor to the other, reads the attempts
 * timeline, and follows a shipment to its carrier tracking timeline. Only the public API is behind it.
 */
let t: TestApp;
let base: string;
let browser: Browser;
let admin: TesseraClient;

beforeAll(async () => {
  t = await startTestApp();
  base = await listen(t);
  admin = api(t);
  t.modules.fulfillment.emulator.setTarget(base);
  t.modules.fulfillment.intake.start();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t.modules.fulfillment.intake.stop();
  await t.close();
});

describe('operations console', () => {
  it('operator: see an order with a failover attempt', async () => {
    // a paid order whose first processor was down: the payment failed over to the other one
    const country = freshCountry();
    const store = await createStore(t, { country, prices: [2500] });
    const res = await checkout(t, await readyCart(t, store, { country, quantity: 2 }), 'tok_processor_down');
    expect(res.statusCode, res.body).toBe(201);
    const order = res.json<Schema<'Order'>>();
    const payment = ok(await admin.GET('/v1/payments/{id}', { params: { path: { id: order.payment_id! } } }));
    const [failed, succeeded] = payment.attempts;
    expect(payment.attempts).toHaveLength(2);
    expect(failed!.outcome).toBe('unavailable');
    expect(succeeded!.outcome).toBe('authorized');
    expect(succeeded!.processor).not.toBe(failed!.processor);

    const { page, errors } = await openDashboard(browser, base);
    await connectWithKey(page, t.keys.secret);

    // the orders list, filtered to paid orders, links to the order
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    await page.getByLabel('Status').selectOption('paid');
    const row = page.locator(`tr[data-order="${order.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('paid');
    await page.getByLabel('Status').selectOption('refunded');
    await page.getByText('No orders with status refunded.').waitFor();
    expect(await row.count()).toBe(0);
    await page.getByLabel('Status').selectOption('');
    await row.waitFor();
    await screenshot(page, 'orders');
    await row.getByRole('link', { name: order.id }).click();

    // the order: its lines and totals, and the attempts timeline: the failure, then the failover
    await page.getByRole('heading', { name: `Order ${order.id}` }).waitFor();
    const attempts = page.getByRole('table', { name: 'Payment attempts' });
    await attempts.waitFor();
    const first = attempts.locator('tr[data-attempt="1"]');
    const second = attempts.locator('tr[data-attempt="2"]');
    expect(await attempts.locator('tbody tr').count()).toBe(2);
    const firstCells = await first.locator('td').allTextContents();
    expect(firstCells[2]).toBe(failed!.processor);
    expect(firstCells[3]).toBe('failed: processor unavailable');
    expect(firstCells[6]).toBe(`failed over to ${succeeded!.processor}`);
    const secondCells = await second.locator('td').allTextContents();
    expect(secondCells[2]).toBe(succeeded!.processor);
    expect(secondCells[3]).toBe('authorised');
    expect(secondCells[6]).toBe('—');
    const line = order.lines[0]!;
    await page.getByRole('cell', { name: line.sku, exact: true }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: line.sku }).locator('td').nth(3).textContent()).toBe('2');
    expect(await page.locator('.facts dd').nth(3).textContent()).toBe(`Ada Lovelace, 1 Main St, Springfield, 12345, ${country}`);
    await page.getByText('Not shipped yet.').waitFor();
    await screenshot(page, 'order');

    // a shipment, scanned twice by the emulated carrier (USPS: accepted, then in transit), shows on the order and its tracking page
    const shipment = ok(
      await admin.POST('/v1/orders/{id}/shipments', { params: { path: { id: order.id } }, body: { lines: [{ line_id: line.id, quantity: 2 }], carrier: 'usps', tracking_number: `9400${Date.now()}`, location_id: store.locationId } }),
    );
    for (let scans = 1; scans <= 2; scans++) {
      // the emulator picks the code after those already recorded: wait for the intake to record each scan
      expect(ok(await admin.POST('/v1/test_helpers/shipments/{id}/advance', { params: { path: { id: shipment.id } }, body: {} })).webhook_status).toBe(202);
      await expect.poll(async () => ok(await admin.GET('/v1/shipments/{id}/tracking', { params: { path: { id: shipment.id } } })).events.length, { timeout: 15_000 }).toBe(scans);
    }
    await page.getByRole('button', { name: 'Refresh shipments' }).click();
    await page.getByRole('link', { name: shipment.id }).click();
    await page.getByRole('heading', { name: `Shipment ${shipment.id}` }).waitFor();
    const tracking = page.getByRole('table', { name: 'Tracking timeline' });
    await tracking.locator('tbody tr').first().waitFor();
    const scans = ok(await admin.GET('/v1/shipments/{id}/tracking', { params: { path: { id: shipment.id } } })).events;
    expect(await tracking.locator('tbody tr').count()).toBe(2);
    const shown = await tracking.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(1, 4).map((c) => c.textContent)));
    expect(shown).toEqual(scans.map((s) => [s.status.replace(/_/g, ' '), s.raw_code, s.raw_message]));
    expect(shown.map((s) => s[0])).toEqual(['pre transit', 'in transit']);
    expect(await page.locator('[data-shipment-status]').textContent()).toContain('in transit');
    await screenshot(page, 'shipment');

    // back to the order: the shipment is listed with its status
    await page.getByRole('link', { name: `Order ${order.id}` }).click();
    await page.getByRole('heading', { name: `Order ${order.id}` }).waitFor();
    await page.getByRole('row').filter({ hasText: shipment.id }).getByText('in transit').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
