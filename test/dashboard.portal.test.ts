import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from './helpers/app.js';
import { connectWithKey, launchChromium, openDashboard, screenshot } from './helpers/browser.js';
import { startReceiver } from './helpers/receiver.js';
import { accessToken, signup } from './helpers/partners.js';
import { api, listen, ok } from './helpers/sdk.js';

/**
 * The developer portal in real Chromium, against a Tessera on a real port with its background
 * event processing running: a partner signs up, creates a webhook endpoint, places a test order,
 * sees the delivery fail, replays it and sees it delivered. Only the public API is behind it.
 */
let t: TestApp;
let base: string;
let browser: Browser;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let failing = true;

beforeAll(async () => {
  t = await startTestApp();
  base = await listen(t);
  t.modules.dispatcher.start();
  t.modules.webhooks.worker.start();
  receiver = await startReceiver();
  receiver.answer(() => ({ status: failing ? 500 : 200 }));
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t.modules.webhooks.worker.stop();
  await t.modules.dispatcher.stop();
  await receiver?.close();
  await t.close();
});

async function signupPartner() {
  return (await signup(t, { scopes: ['catalog:read', 'carts:write'] })).credentials;
}

function open(path: string): Promise<{ page: Page; errors: string[] }> {
  return openDashboard(browser, base, path);
}

describe('developer portal', () => {
  it('signup → webhook endpoint → test order → failed delivery → replay → delivered', async () => {
    const { page, errors } = await open('/signup');
    await page.getByLabel('Company or app name').fill('Acme Apps');
    await page.getByLabel('Email').fill('dev@acme.example');
    await screenshot(page, 'signup');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Your sandbox is ready' }).waitFor();
    expect(await page.locator('[data-secret]').textContent()).toMatch(/^cs_test_/);
    await page.getByRole('button', { name: 'Continue to the dashboard' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('pending approval (sandbox only)').waitFor();

    // a webhook endpoint for order events; its signing secret is shown once
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('Events').fill('order.*');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    expect(await page.locator('[data-secret]').textContent()).toMatch(/^whsec_/);
    const endpointId = (await page.getByRole('link', { name: /^we_/ }).first().textContent())!;
    await screenshot(page, 'webhooks');

    // a paid test order in the partner's sandbox: order.created goes to the endpoint, which answers 500
    await page.getByRole('link', { name: 'Sandbox' }).click();
    await page.getByRole('button', { name: 'Place a test order' }).click();
    const orderId = (await page.locator('[data-order-id]').textContent())!;
    expect(orderId).toMatch(/^ord_/);
    await page.getByText(/is paid/).waitFor();

    // the delivery log shows the failure, with the 500
    await page.goto(`${base}/dashboard/#/webhooks/${endpointId}`);
    // (the row of a delivery the receiver answered 500; a first attempt lost to a connection error under load is retried)
    const failed = page.locator('tr[data-state="failing"]').filter({ hasText: 'order.created' }).filter({ hasText: '500 in' });
    await expect.poll(async () => (await page.getByRole('button', { name: 'Refresh' }).click(), failed.count()), { timeout: 30_000 }).toBeGreaterThan(0);
    await screenshot(page, 'deliveries');

    // the receiver is fixed; replay that delivery and watch it arrive
    failing = false;
    await failed.first().getByRole('button', { name: 'Replay' }).click();
    const delivered = page.locator('tr[data-state="delivered"]').filter({ hasText: 'replay of' });
    await delivered.first().waitFor({ timeout: 30_000 });
    expect(await delivered.first().textContent()).toContain('200');
    const ok = receiver.received.filter((r) => JSON.parse(r.body).type === 'order.created' && JSON.parse(r.body).data?.object?.id === orderId);
    expect(ok.length).toBeGreaterThanOrEqual(2); // the failed attempt and the replay, with one event id
    expect(new Set(ok.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('an endpoint that answered 410 is disabled; enabled again, "Replay failed since" sends what failed, with the same event ids', async () => {
    const gone = await startReceiver();
    let answer = 410;
    gone.answer(() => ({ status: answer }));
    try {
      const { page, errors } = await open('/');
      await connectWithKey(page, t.keys.secret);
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByLabel('URL').fill(gone.url);
      await page.getByLabel('Events').fill('product.created');
      await page.getByRole('button', { name: 'Create endpoint' }).click();
      const row = page.locator('tr', { hasText: gone.url });
      const endpointId = (await row.getByRole('link').textContent())!;
      const before = new Date(Date.now() - 60_000);

      // two events the receiver refuses with 410: the endpoint is disabled at the first
      for (const title of ['Lamp', 'Desk']) ok(await api(t).POST('/v1/products', { body: { title, status: 'published', variants: [{ sku: `SKU-${title}-${Date.now()}`, prices: [{ currency: 'USD', amount: 100 }] }] } }), 201);
      await expect.poll(async () => (await page.reload(), row.textContent()), { timeout: 30_000 }).toContain('disabled (gone)');
      const refused = new Set(gone.received.map((r) => r.headers['webhook-id']));
      const flip = gone.received.length;
      answer = 200;
      await row.getByRole('button', { name: 'Enable' }).click();
      await expect.poll(() => row.textContent()).toContain('enabled');

      await page.goto(`${base}/dashboard/#/webhooks/${endpointId}`);
      await page.getByLabel('Replay all failed since').fill(before.toISOString().slice(0, 16)); // the browser's time zone is UTC here
      await page.getByRole('button', { name: 'Replay failed' }).click();
      const replayed = page.locator('tr[data-state="delivered"]').filter({ hasText: 'replay of' });
      await expect.poll(() => replayed.count(), { timeout: 30_000 }).toBeGreaterThan(0);
      // what the replay sent are events the endpoint had refused, under their own ids
      const resent = gone.received.slice(flip).filter((r) => JSON.parse(r.body).type === 'product.created');
      expect(resent.length).toBeGreaterThan(0);
      for (const r of resent) expect(refused.has(r.headers['webhook-id'])).toBe(true);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await gone.close();
    }
  }, 90_000);

  it('operators create, roll (with an overlap) and revoke API keys; each secret is shown once', async () => {
    const { page, errors } = await open('/');
    await connectWithKey(page, t.keys.secret);
    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByLabel('Name').fill('deploy bot');
    await page.getByLabel('Scopes').fill('catalog:read');
    await page.getByRole('button', { name: 'Create key' }).click();
    const first = (await page.locator('[data-secret]').textContent())!;
    expect(first).toMatch(/^rk_test_/);
    expect((await api(t, first).GET('/v1/products', { params: { query: { limit: 1 } } })).response.status).toBe(200);

    const row = page.locator('tr', { hasText: 'deploy bot' }).first();
    await page.getByLabel('The old secret stops').selectOption({ label: 'in 1 hour' });
    await row.getByRole('button', { name: 'Roll' }).click();
    await expect.poll(() => page.locator('[data-secret]').textContent()).not.toBe(first);
    const second = (await page.locator('[data-secret]').textContent())!;
    expect(second).toMatch(/^rk_test_/);
    await expect.poll(() => row.textContent()).toContain('expires');
    await screenshot(page, 'keys');
    // both work during the overlap
    expect((await api(t, first).GET('/v1/products', { params: { query: { limit: 1 } } })).response.status).toBe(200);
    expect((await api(t, second).GET('/v1/products', { params: { query: { limit: 1 } } })).response.status).toBe(200);

    page.once('dialog', (d) => void d.accept());
    await page.locator('tr', { hasText: 'deploy bot' }).filter({ hasText: 'active' }).getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(async () => (await api(t, second).GET('/v1/products', { params: { query: { limit: 1 } } })).response.status).toBe(401);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('partners create an OAuth client (secret shown once), roll its secret and revoke it', async () => {
    const signed = await signupPartner();
    const { page, errors } = await open('/');
    await page.getByLabel('Client id').fill(signed.client_id);
    await page.getByLabel('Client secret').fill(signed.client_secret);
    await page.getByRole('button', { name: 'Get a token and connect' }).click();
    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByLabel('Client scopes').fill('catalog:read');
    await page.getByRole('button', { name: 'Create client' }).click();
    const secret = (await page.locator('[data-secret]').textContent())!;
    expect(secret).toMatch(/^cs_test_/);
    const row = page.locator('tr', { hasText: 'catalog:read' }).filter({ hasNotText: 'carts:write' });
    const clientId = (await row.locator('code').first().textContent())!;
    await row.getByRole('button', { name: 'Roll secret' }).click();
    await expect.poll(() => page.locator('[data-secret]').textContent()).not.toBe(secret);
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.textContent()).toContain('revoked');
    const partner = ok(await api(t, await accessToken(t, signed)).GET('/v1/partner'));
    expect(partner.clients.find((c) => c.id === clientId)).toMatchObject({ scopes: ['catalog:read'], revoked_at: expect.any(String) });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows a problem with its detail and request id when a call fails', async () => {
    const { page } = await open('/');
    await page.getByLabel('Client id').fill('cli_nope');
    await page.getByLabel('Client secret').fill('cs_test_nope');
    await page.getByRole('button', { name: 'Get a token and connect' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Client authentication failed');
    // an API key that does not exist: the problem's detail and request id are shown
    await page.getByLabel('API key', { exact: true }).fill('sk_test_doesnotexist000000000000000');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Request id: req_/);
    await page.close();
  }, 60_000);
});
