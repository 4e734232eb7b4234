import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyHeader, type TesseraClient } from '../sdk/index.js';
import { MIGRATIONS } from '../src/migrations.js';
import { emulatorControl } from '../src/modules/payments/emulator/control.js';
import { pendingMigrations } from '../src/platform/db/migrate.js';
import { Sandboxes } from '../src/platform/db/sandboxes.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { accessToken, signup, type SignedUp } from './helpers/partners.js';
import { startReceiver } from './helpers/receiver.js';
import { listen, sdk } from './helpers/sdk.js';

/**
 * Partner sandboxes (#6): each partner's test-mode clients work in a sandbox of its own, seeded
 * with the demo store; `POST /v1/test_helpers/reset` wipes it; background work (events, webhooks,
 * carriers, payments) runs in every sandbox; an operator reaches one with `Tessera-Partner`.
 */
let t: TestApp;
let baseUrl: string;
beforeAll(async () => {
  t = await startTestApp({ env: { TESSERA_SANDBOX_GRACE_SECONDS: '0' } });
  baseUrl = await listen(t);
  t.modules.fulfillment.emulator.setTarget(baseUrl); // the emulated carriers post to this app's port
});
afterAll(() => t.close());

const INTEGRATOR = ['catalog:read', 'carts:write', 'checkout:write', 'orders:write', 'webhooks:write'];

function ok<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.data === undefined) expect.fail(`${r.response.status}: ${JSON.stringify(r.error)}`);
  return r.data;
}

async function partnerClient(over: Record<string, unknown> = {}): Promise<{ signed: SignedUp; api: TesseraClient; token: string }> {
  const signed = await signup(t, { scopes: INTEGRATOR, ...over });
  const token = await accessToken(t, signed.credentials);
  return { signed, api: sdk(t, baseUrl, token), token };
}

/** A paid order in the caller's sandbox, from the demo store (as the README's walk-through). */
async function sandboxOrder(api: TesseraClient) {
  const sku = ok(await api.GET('/v1/products', { params: { query: { status: 'published', limit: 1 } } })).data[0]!.variants[0]!.sku;
  const cart = ok(await api.POST('/v1/carts', { body: { region_id: 'reg_demo_us', items: [{ sku, quantity: 1 }] } }));
  ok(await api.PATCH('/v1/carts/{id}', { params: { path: { id: cart.id } }, body: { email: 'ada@example.com', shipping_address: { name: 'Ada', line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' } } }));
  ok(await api.POST('/v1/carts/{id}/shipping', { params: { path: { id: cart.id } }, body: { option_id: 'shipopt_demo_us_standard' } }));
  const order = ok(await api.POST('/v1/carts/{id}/checkout', { params: { path: { id: cart.id } }, body: { payment: { token: 'tok_visa' } }, headers: idempotencyHeader() }));
  return { cart, order, sku };
}

async function sandboxOf(partnerId: string): Promise<string> {
  const { rows } = await t.db.admin.query<{ sandbox: string }>('SELECT sandbox FROM live.partners WHERE id = $1', [partnerId]);
  return rows[0]!.sandbox;
}

async function schemaExists(name: string): Promise<boolean> {
  return (await t.db.admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).rowCount === 1;
}

describe('a sandbox of its own', () => {
  it('each partner checks out in its own sandbox; no other partner, nor the shared test mode, sees its data', async () => {
    const a = await partnerClient({ name: 'A Apps' });
    const b = await partnerClient({ name: 'B Apps' });
    const { cart, order } = await sandboxOrder(a.api);
    expect(order).toMatchObject({ status: 'paid', cart_id: cart.id });

    expect((await a.api.GET('/v1/orders/{id}', { params: { path: { id: order.id } } })).response.status).toBe(200);
    expect((await b.api.GET('/v1/orders/{id}', { params: { path: { id: order.id } } })).response.status).toBe(404);
    expect((await b.api.GET('/v1/carts/{id}', { params: { path: { id: cart.id } } })).response.status).toBe(404);
    expect((await t.call('GET', `/v1/orders/${order.id}`)).statusCode).toBe(404); // the installation's shared test mode
    expect((await t.call('GET', `/v1/orders/${order.id}`, { key: t.keys.liveSecret })).statusCode).toBe(404);

    // the stock the order took is the sandbox's: B's demo store still has all of it
    const sku = order.lines[0]!.sku;
    const levels = async (partner: string) => (await t.call('GET', `/v1/inventory_items/${sku}`, { headers: { 'tessera-partner': partner } })).json<{ available: number }>().available;
    expect((await levels(a.signed.partner.id)) + 1).toBe(await levels(b.signed.partner.id));
  });

  it('pays through its own processor account: the shared test account never sees the charge', async () => {
    const a = await partnerClient();
    const sharedBooks = async () => [...(await emulatorControl(t.emulators.simpay).authorizations()).data, ...(await emulatorControl(t.emulators.altpay).authorizations()).data];
    const before = (await sharedBooks()).length;
    const { order } = await sandboxOrder(a.api);
    expect(order.payment_id).toMatch(/^pay_/);
    const after = await sharedBooks();
    expect(after).toHaveLength(before);
    expect(after.some((x) => x.reference.startsWith(order.payment_id!))).toBe(false);
    // so reconciling the shared test mode finds nothing extra, and neither does the sandbox's own run
    expect((await t.call('POST', '/v1/reconciliation/runs')).json().findings).toEqual([]);
    const own = await t.call('POST', '/v1/reconciliation/runs', { headers: { 'tessera-partner': a.signed.partner.id } });
    expect(own.json()).toMatchObject({ status: 'completed', findings: [] });
    expect(own.json().payments_checked).toBeGreaterThan(0);
  });

  it("delivers the sandbox's events to the partner's own webhook endpoint, signed", async () => {
    const receiver = await startReceiver();
    try {
      const a = await partnerClient();
      const endpoint = ok(await a.api.POST('/v1/webhook_endpoints', { body: { url: receiver.url, enabled_events: ['order.created'] } }));
      const { order } = await sandboxOrder(a.api);
      await t.modules.dispatcher.drain();
      await t.modules.webhooks.worker.drain();
      const got = receiver.received.map((r) => new Webhook(endpoint.secret!).verify(r.body, r.headers as Record<string, string>) as { type: string; data: { object: { id: string } } });
      expect(got).toEqual([expect.objectContaining({ type: 'order.created', data: expect.objectContaining({ object: expect.objectContaining({ id: order.id }) }) })]);
    } finally {
      await receiver.close();
    }
  });

  it('ships with the emulated carrier: its webhook reaches the sandbox that owns the shipment', async () => {
    const a = await partnerClient();
    const { order } = await sandboxOrder(a.api);
    const inA = { headers: { 'tessera-partner': a.signed.partner.id } };
    const location = (await t.call('GET', '/v1/stock_locations', inA)).json<{ data: { id: string }[] }>().data[0]!.id;
    const shipment = await a.api.POST('/v1/orders/{id}/shipments', {
      params: { path: { id: order.id } },
      body: { lines: [{ line_id: order.lines[0]!.id, quantity: 1 }], carrier: 'ups', tracking_number: `1Z${Date.now()}`, location_id: location },
    });
    const shipped = ok(shipment);
    const sent = ok(await a.api.POST('/v1/test_helpers/shipments/{id}/advance', { params: { path: { id: shipped.id } }, body: {} }));
    expect(sent.webhook_status).toBe(202);
    await t.modules.fulfillment.intake.drain();
    const tracking = ok(await a.api.GET('/v1/shipments/{id}/tracking', { params: { path: { id: shipped.id } } }));
    expect(tracking.events.length).toBeGreaterThan(0);
    // a carrier webhook naming a sandbox that does not exist is refused
    const forged = await t.app.inject({ method: 'POST', url: '/v1/carriers/ups/webhooks?sandbox=sbx_000000000000000000000000', payload: '{}', headers: { 'content-type': 'application/json' } });
    expect(forged.statusCode).toBe(401); // the signature is checked first
  });
});

describe('POST /v1/test_helpers/reset', () => {
  it("wipes the caller's test data and nobody else's; the same token works in the fresh sandbox", async () => {
    const receiver = await startReceiver();
    try {
      const a = await partnerClient();
      const b = await partnerClient();
      const mine = await sandboxOrder(a.api);
      const theirs = await sandboxOrder(b.api);
      ok(await a.api.POST('/v1/webhook_endpoints', { body: { url: receiver.url, enabled_events: ['order.created'] } }));
      const before = await sandboxOf(a.signed.partner.id);

      const reset = await a.api.POST('/v1/test_helpers/reset', {});
      expect(reset.response.status).toBe(200);
      expect(ok(reset)).toMatchObject({ object: 'sandbox_reset', partner_id: a.signed.partner.id, environment: 'test', seller_id: null });

      expect((await a.api.GET('/v1/orders/{id}', { params: { path: { id: mine.order.id } } })).response.status).toBe(404);
      expect((await a.api.GET('/v1/carts/{id}', { params: { path: { id: mine.cart.id } } })).response.status).toBe(404);
      expect(ok(await a.api.GET('/v1/webhook_endpoints', {})).data).toEqual([]);
      expect(ok(await a.api.GET('/v1/products', { params: { query: { limit: 1 } } })).data).toHaveLength(1); // the demo store again
      expect((await b.api.GET('/v1/orders/{id}', { params: { path: { id: theirs.order.id } } })).response.status).toBe(200);

      // the old sandbox stops at once and its schema is dropped after the grace period (0 here)
      expect(await t.db.environments()).not.toContain(before);
      expect(await t.modules.sandboxes.dropRetired()).toBeGreaterThanOrEqual(1);
      expect(await schemaExists(before)).toBe(false);
      expect(await schemaExists(await sandboxOf(a.signed.partner.id))).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it("a seller partner's test seller comes back under the same id, pending, and its token still works", async () => {
    const { signed, api } = await partnerClient({ kind: 'seller', scopes: ['catalog:write'] });
    const sellerId = signed.partner.test_seller_id!;
    const inSandbox = { headers: { 'tessera-partner': signed.partner.id } };
    expect((await t.call('POST', `/v1/sellers/${sellerId}/activate`, inSandbox)).json().status).toBe('active');
    expect(ok(await api.POST('/v1/test_helpers/reset', {}))).toMatchObject({ seller_id: sellerId });
    expect(ok(await api.GET('/v1/seller', {}))).toMatchObject({ id: sellerId, status: 'pending', partner_id: signed.partner.id });
  });

  it('concurrent resets each answer 200 and leave one live sandbox for the partner', async () => {
    const a = await partnerClient();
    await sandboxOrder(a.api);
    const answers = await Promise.all([1, 2, 3].map(() => a.api.POST('/v1/test_helpers/reset', {})));
    expect(answers.map((r) => r.response.status)).toEqual([200, 200, 200]);
    const current = await sandboxOf(a.signed.partner.id);
    const { rows } = await t.db.admin.query<{ env: string }>('SELECT env FROM live.sandboxes WHERE retired_at IS NULL');
    expect(rows.map((r) => r.env)).toContain(current);
    // the four sandboxes this partner had: three retired, the current one listed
    await t.modules.sandboxes.dropRetired();
    const left = await t.db.admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'sbx_%'");
    expect(left.rows[0]!.n).toBe(rows.length);
    expect(ok(await a.api.GET('/v1/products', { params: { query: { limit: 1 } } })).data).toHaveLength(1);
  });

  it('is refused to anything but a partner test-mode token (403 partner_sandbox_required)', async () => {
    const refusals = [await t.call('POST', '/v1/test_helpers/reset'), await t.call('POST', '/v1/test_helpers/reset', { key: t.keys.liveSecret })];
    const { signed } = await partnerClient();
    const live = (await t.call('POST', `/v1/partners/${signed.partner.id}/approve`, { key: t.keys.liveSecret, body: { scopes: ['catalog:read'] } })).json().credentials;
    refusals.push(await t.call('POST', '/v1/test_helpers/reset', { key: await accessToken(t, live) }));
    for (const r of refusals) expect([r.statusCode, r.json().code]).toEqual([403, 'partner_sandbox_required']);
  });
});

describe('Tessera-Partner', () => {
  it('lets only an operator test-mode secret key act in a sandbox', async () => {
    const a = await partnerClient();
    const b = await partnerClient();
    const header = { 'tessera-partner': b.signed.partner.id };
    const refused = [
      await t.app.inject({ method: 'GET', url: '/v1/products', headers: { authorization: `Bearer ${a.token}`, ...header } }),
      await t.call('GET', '/v1/products', { key: t.keys.liveSecret, headers: header }),
      await t.call('GET', '/v1/products', { key: t.keys.publishable, headers: header }),
    ];
    for (const r of refused) expect([r.statusCode, r.json().code]).toEqual([403, 'partner_header_not_allowed']);
    const unknown = await t.call('GET', '/v1/products', { headers: { 'tessera-partner': 'ptr_nope' } });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'partner_not_found']);
    expect((await t.call('GET', '/v1/products?limit=1', { headers: header })).json().data).toHaveLength(1);
  });
});

describe('sandbox lifecycle', () => {
  it('later migrations reach every sandbox', async () => {
    const a = await partnerClient();
    const env = await sandboxOf(a.signed.partner.id);
    expect(await pendingMigrations(t.db.admin, MIGRATIONS)).toEqual([]);
    const count = async (schema: string) => (await t.db.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.schema_migrations`)).rows[0]!.n;
    expect(await count(env)).toBe(await count('live'));
  });

  it('is made in one transaction: a seed that fails leaves no schema and no listing', async () => {
    const failing = new Sandboxes(t.db, { migrations: MIGRATIONS, graceMs: 0, seed: () => Promise.reject(new Error('seed failed')) });
    const before = await t.db.admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'sbx_%'");
    const listed = await t.db.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM live.sandboxes');
    await expect(failing.create()).rejects.toThrow('seed failed');
    expect((await t.db.admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'sbx_%'")).rows[0]!.n).toBe(before.rows[0]!.n);
    expect((await t.db.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM live.sandboxes')).rows[0]!.n).toBe(listed.rows[0]!.n);
  });
});
