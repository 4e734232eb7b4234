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
import { api, listen, ok, problem } from './helpers/sdk.js';

/**
 * Partner sandboxes (#6): each partner's test-mode clients work in a sandbox of its own, seeded
 * with the demo store; `POST /v1/test_helpers/reset` wipes it; background work (events, webhooks,
 * carriers, payments) runs in every sandbox; an operator reaches one with `Tessera-Partner`.
 */
let t: TestApp;
/** The operator's test-mode secret key: the shared test mode, or a sandbox with Tessera-Partner. */
let admin: TesseraClient;
beforeAll(async () => {
  t = await startTestApp({ env: { TESSERA_SANDBOX_GRACE_SECONDS: '0' } });
  admin = api(t);
  // the emulated carriers post their webhooks to this app over real HTTP: it needs a port
  t.modules.fulfillment.emulator.setTarget(await listen(t));
});
afterAll(() => t.close());

const INTEGRATOR = ['catalog:read', 'carts:write', 'checkout:write', 'orders:write', 'webhooks:write'];

/** Per-request headers of an operator acting in a partner's sandbox. */
const inSandboxOf = (partnerId: string) => ({ headers: { 'tessera-partner': partnerId } });
const byId = (id: string) => ({ params: { path: { id } } });

async function partnerClient(over: Record<string, unknown> = {}): Promise<{ signed: SignedUp; api: TesseraClient }> {
  const signed = await signup(t, { scopes: INTEGRATOR, ...over });
  const token = await accessToken(t, signed.credentials);
  return { signed, api: api(t, token) };
}

/** A paid order in the caller's sandbox, from the demo store (as the README's walk-through). */
async function sandboxOrder(client: TesseraClient) {
  const sku = ok(await client.GET('/v1/products', { params: { query: { status: 'published', limit: 1 } } })).data[0]!.variants[0]!.sku;
  const cart = ok(await client.POST('/v1/carts', { body: { region_id: 'reg_demo_us', items: [{ sku, quantity: 1 }] } }));
  ok(await client.PATCH('/v1/carts/{id}', { params: { path: { id: cart.id } }, body: { email: 'ada@example.com', shipping_address: { name: 'Ada', line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' } } }));
  ok(await client.POST('/v1/carts/{id}/shipping', { params: { path: { id: cart.id } }, body: { option_id: 'shipopt_demo_us_standard' } }));
  const order = ok(await client.POST('/v1/carts/{id}/checkout', { params: { path: { id: cart.id } }, body: { payment: { token: 'tok_visa' } }, headers: idempotencyHeader() }));
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

    ok(await a.api.GET('/v1/orders/{id}', byId(order.id)), 200);
    problem(await b.api.GET('/v1/orders/{id}', byId(order.id)), 404);
    problem(await b.api.GET('/v1/carts/{id}', byId(cart.id)), 404);
    problem(await admin.GET('/v1/orders/{id}', byId(order.id)), 404); // the installation's shared test mode
    problem(await api(t, t.keys.liveSecret).GET('/v1/orders/{id}', byId(order.id)), 404);

    // the stock the order took is the sandbox's: B's demo store still has all of it
    const sku = order.lines[0]!.sku;
    const levels = async (partner: string) => ok(await admin.GET('/v1/inventory_items/{sku}', { params: { path: { sku } }, ...inSandboxOf(partner) })).available;
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
    expect(ok(await admin.POST('/v1/reconciliation/runs')).findings).toEqual([]);
    const own = ok(await admin.POST('/v1/reconciliation/runs', inSandboxOf(a.signed.partner.id)));
    expect(own).toMatchObject({ status: 'completed', findings: [] });
    expect(own.payments_checked).toBeGreaterThan(0);
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
    const location = ok(await admin.GET('/v1/stock_locations', inSandboxOf(a.signed.partner.id))).data[0]!.id;
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
    // a carrier webhook naming a sandbox that does not exist is refused; a carrier's post, not an
    // SDK call (no key, a raw body), and unsigned on purpose
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
      expect(ok(reset, 200)).toMatchObject({ object: 'sandbox_reset', partner_id: a.signed.partner.id, environment: 'test', seller_id: null });

      problem(await a.api.GET('/v1/orders/{id}', byId(mine.order.id)), 404);
      problem(await a.api.GET('/v1/carts/{id}', byId(mine.cart.id)), 404);
      expect(ok(await a.api.GET('/v1/webhook_endpoints', {})).data).toEqual([]);
      expect(ok(await a.api.GET('/v1/products', { params: { query: { limit: 1 } } })).data).toHaveLength(1); // the demo store again
      ok(await b.api.GET('/v1/orders/{id}', byId(theirs.order.id)), 200);

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
    const { signed, api: seller } = await partnerClient({ kind: 'seller', scopes: ['catalog:write'] });
    const sellerId = signed.partner.test_seller_id!;
    expect(ok(await admin.POST('/v1/sellers/{id}/activate', { ...byId(sellerId), ...inSandboxOf(signed.partner.id) })).status).toBe('active');
    expect(ok(await seller.POST('/v1/test_helpers/reset', {}))).toMatchObject({ seller_id: sellerId });
    expect(ok(await seller.GET('/v1/seller', {}))).toMatchObject({ id: sellerId, status: 'pending', partner_id: signed.partner.id });
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
    const liveOperator = api(t, t.keys.liveSecret);
    const refusals = [await admin.POST('/v1/test_helpers/reset'), await liveOperator.POST('/v1/test_helpers/reset')];
    const { signed } = await partnerClient();
    const live = ok(await liveOperator.POST('/v1/partners/{id}/approve', { ...byId(signed.partner.id), body: { scopes: ['catalog:read'] } })).credentials;
    refusals.push(await api(t, await accessToken(t, live)).POST('/v1/test_helpers/reset'));
    for (const r of refusals) expect(problem(r, 403).code).toBe('partner_sandbox_required');
  });
});

describe('Tessera-Partner', () => {
  it('lets only an operator test-mode secret key act in a sandbox', async () => {
    const a = await partnerClient();
    const b = await partnerClient();
    const inB = inSandboxOf(b.signed.partner.id);
    const refused = [
      await a.api.GET('/v1/products', inB),
      await api(t, t.keys.liveSecret).GET('/v1/products', inB),
      await api(t, t.keys.publishable).GET('/v1/products', inB),
    ];
    for (const r of refused) expect(problem(r, 403).code).toBe('partner_header_not_allowed');
    expect(problem(await admin.GET('/v1/products', inSandboxOf('ptr_nope')), 404).code).toBe('partner_not_found');
    expect(ok(await admin.GET('/v1/products', { params: { query: { limit: 1 } }, ...inB })).data).toHaveLength(1);
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
