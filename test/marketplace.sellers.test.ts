import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import { Database } from '../src/platform/db/database.js';
import { InvalidationBus } from '../src/platform/db/invalidation.js';
import { createLogger } from '../src/platform/observability/logger.js';
import { Metrics } from '../src/platform/observability/metrics.js';
import { createTesseraClient, type operations, type TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { eventsOf } from './helpers/events.js';
import { createKey } from './helpers/fixtures.js';
import { api, ok, problem } from './helpers/sdk.js';

let t: TestApp;
let admin: TesseraClient;
beforeAll(async () => {
  t = await startTestApp();
  admin = client();
});
afterAll(() => t.close());

const IBAN = 'DE89370400440532013000';
const IBAN_2 = 'GB82WEST12345698765432';
const ACCOUNT = '000123456789';
/** Every response body of this file, to prove no full account number ever leaves the API. */
const bodies: string[] = [];

/** The SDK with `key` (default: the test secret key), recording every response body it receives. */
function client(key?: string): TesseraClient {
  const c = api(t, key);
  c.use({ onResponse: async ({ response }) => void bodies.push(await response.clone().text()) });
  return c;
}

/** `t.call` for a call the types forbid (invalid on purpose), recording its body too. */
async function invalidCall(method: string, url: string, body: unknown) {
  const res = await t.call(method, url, { body });
  bodies.push(res.body);
  return res;
}

type NewSeller = operations['postV1Sellers']['requestBody']['content']['application/json'];
type Commission = NonNullable<NewSeller['commission']>;
const byId = (id: string) => ({ params: { path: { id } } });

async function createSeller(over: Partial<NewSeller> = {}) {
  return ok(await admin.POST('/v1/sellers', { body: { name: 'Nordic Goods', email: 'ops@nordic.example', ...over } }), 201);
}

async function sellerKey(sellerId: string, body: { name?: string; scopes?: string[] } = {}): Promise<string> {
  return ok(await admin.POST('/v1/sellers/{id}/keys', { ...byId(sellerId), body }), 201).secret;
}

const activate = (id: string) => admin.POST('/v1/sellers/{id}/activate', byId(id));
const suspend = (id: string) => admin.POST('/v1/sellers/{id}/suspend', byId(id));
const reinstate = (id: string) => admin.POST('/v1/sellers/{id}/reinstate', byId(id));
const patchSeller = (id: string, body: operations['patchV1SellersById']['requestBody']['content']['application/json']) => admin.PATCH('/v1/sellers/{id}', { ...byId(id), body });

/** The SDK against another app (another process), over that app's own inject. */
function clientOf(app: App['app'], key: string): TesseraClient {
  return createTesseraClient('http://other.test', key, {
    fetch: async (request) => {
      const url = new URL(request.url);
      const res = await app.inject({ method: request.method, url: `${url.pathname}${url.search}`, headers: Object.fromEntries(request.headers) });
      return new Response(res.body, { status: res.statusCode, headers: { 'content-type': String(res.headers['content-type']) } });
    },
  });
}

describe('sellers', () => {
  it('creates, reads, lists by status with a cursor, and updates a seller', async () => {
    const seller = await createSeller({
      payout_details: { account_holder: 'Nordic Goods AB', iban: 'de89 3704 0044 0532 0130 00' },
      commission: { rate_ppm: 80_000, category_rates_ppm: { cat_books: 50_000 }, minimum_fee: 30 },
      metadata: { crm: '42' },
    });
    expect(seller).toMatchObject({
      object: 'seller',
      status: 'pending',
      partner_id: null,
      payout_details: { type: 'iban', account_holder: 'Nordic Goods AB', last4: '3000' },
      commission: { rate_ppm: 80_000, category_rates_ppm: { cat_books: 50_000 }, minimum_fee: 30 },
      metadata: { crm: '42' },
    });
    expect(seller.id).toMatch(/^sel_/);
    expect(ok(await admin.GET('/v1/sellers/{id}', byId(seller.id)))).toEqual(seller);

    const other = await createSeller({ name: 'Second' });
    expect(other.payout_details).toBeNull();
    await activate(other.id);
    const sellers = async (query: operations['getV1Sellers']['parameters']['query']) => ok(await admin.GET('/v1/sellers', { params: { query } }));
    const pending = (await sellers({ status: 'pending', limit: 100 })).data.map((s) => s.id);
    expect(pending).toContain(seller.id);
    expect(pending).not.toContain(other.id);
    const page1 = await sellers({ limit: 1 });
    expect(page1).toMatchObject({ object: 'list', has_more: true });
    const page2 = await sellers({ limit: 100, starting_after: page1.next_cursor! });
    expect(page2.data.map((s) => s.id)).not.toContain(page1.data[0]!.id);

    const patched = ok(
      await patchSeller(seller.id, { name: 'Nordic Goods Ltd', commission: { rate_ppm: 70_000 }, payout_details: { account_holder: 'Nordic Goods Ltd', account_number: ACCOUNT, routing_number: '110000000' } }),
      200,
    );
    expect(patched).toMatchObject({ name: 'Nordic Goods Ltd', commission: { rate_ppm: 70_000 }, payout_details: { type: 'bank_account', last4: '6789' } });
    expect(patched.commission).toEqual({ rate_ppm: 70_000 });
    // the rest of the marketplace reads the terms in commission.ts's shape
    const terms = await t.modules.marketplace.sellers.termsOf(t.db.forEnv('test'), [seller.id, other.id, 'sel_nope']);
    expect(terms.get(seller.id)).toEqual({ status: 'pending', commission: { ratePpm: 70_000 } });
    expect(terms.get(other.id)).toEqual({ status: 'active', commission: {} });
    expect(terms.has('sel_nope')).toBe(false);
    expect(ok(await patchSeller(seller.id, { payout_details: null })).payout_details).toBeNull();
    expect(problem(await admin.GET('/v1/sellers/{id}', byId('sel_nope')), 404)).toMatchObject({ code: 'seller_not_found' });
  });

  it('refuses invalid payout details and commission terms without echoing the number', async () => {
    const bad = [
      { account_holder: 'X', iban: 'DE89370400440532013001' }, // wrong check digits
      { account_holder: 'X', iban: IBAN, account_number: ACCOUNT, routing_number: '110000000' },
      { account_holder: 'X', account_number: ACCOUNT },
      { account_holder: ' ', iban: IBAN },
    ];
    for (const payout_details of bad) {
      const res = await admin.POST('/v1/sellers', { body: { name: 'Bad', email: 'bad@example.com', payout_details } });
      expect(res.response.status, JSON.stringify(payout_details)).toBe(422);
      expect(problem(res, 422).code).toBe('invalid_payout_details');
      expect(bodies.at(-1)).not.toContain('DE8937040044053201300');
      expect(bodies.at(-1)).not.toContain(ACCOUNT);
    }
    // invalid on purpose: `rate` is no field of the commission terms
    const unknownField = { rate: 5 } as unknown as Commission;
    for (const commission of [{ rate_ppm: 1_000_001 }, { minimum_fee: -1 }, unknownField]) {
      const res = await admin.POST('/v1/sellers', { body: { name: 'Bad', email: 'bad@example.com', commission } });
      expect(res.response.status, JSON.stringify(commission)).toBe(422);
    }
    problem(await admin.POST('/v1/sellers', { body: { name: 'Bad', email: 'not an email' } }), 422);
  });

  it('stores payout details only sealed, bound to their row; only the last four characters ever leave', async () => {
    const seller = await createSeller({ payout_details: { account_holder: 'Sealed AB', iban: IBAN_2 } });
    const twin = await createSeller({ payout_details: { account_holder: 'Twin AB', iban: IBAN } });
    const { rows } = await t.db.forEnv('test').query<Record<string, unknown>>('SELECT * FROM sellers WHERE id = $1', [seller.id]);
    const row = rows[0]!;
    expect(JSON.stringify(row)).not.toContain(IBAN_2);
    expect(JSON.stringify(row)).not.toContain(IBAN_2.slice(4, 16));
    expect(row).toMatchObject({ payout_last4: '5432', payout_method: 'iban', payout_key_id: 'dev-unsafe' });
    expect(String(row.payout_ciphertext)).toMatch(/^tf1\.dev-unsafe\./);

    // the marketplace itself can open them (for payouts)
    const ctx = { env: 'test' as const, db: t.db.forEnv('test') };
    expect(await t.modules.marketplace.sellers.payoutDetails(ctx, seller.id)).toEqual({ type: 'iban', account_holder: 'Sealed AB', iban: IBAN_2 });
    // a ciphertext copied onto another seller's row does not open there
    await t.db.forEnv('test').query('UPDATE sellers SET payout_ciphertext = $1 WHERE id = $2', [row.payout_ciphertext, twin.id]);
    await expect(t.modules.marketplace.sellers.payoutDetails(ctx, twin.id)).rejects.toThrow(/does not authenticate/);

    await patchSeller(seller.id, { payout_details: { account_holder: 'Sealed AB', account_number: ACCOUNT, routing_number: '110000000' } });
    await admin.GET('/v1/sellers/{id}', byId(seller.id));
    await admin.GET('/v1/sellers', { params: { query: { limit: 100 } } });
    const events = await eventsOf(t, ['seller.*']);
    expect(events.length).toBeGreaterThan(0);
    const everything = [...bodies, JSON.stringify(events)].join('\n');
    expect(everything).toContain('"last4":"5432"'); // the responses were recorded
    for (const number of [IBAN, IBAN_2, ACCOUNT]) expect(everything).not.toContain(number);
    // nor the logs (invalid payout details were logged as problems too)
    for (const number of [IBAN, IBAN_2, ACCOUNT]) expect(t.logs.join('\n')).not.toContain(number);
    expect(ok(await api(t).GET('/v1/events', { params: { query: { limit: 100 } }, parseAs: 'text' }))).not.toContain(IBAN_2);
  });

  it('moves pending → active ↔ suspended; any other transition is 409', async () => {
    const seller = await createSeller();
    expect(problem(await suspend(seller.id), 409)).toMatchObject({ code: 'seller_status_conflict' });
    problem(await reinstate(seller.id), 409);
    expect(ok(await activate(seller.id))).toMatchObject({ status: 'active' });
    problem(await activate(seller.id), 409);
    problem(await reinstate(seller.id), 409);
    expect(ok(await suspend(seller.id))).toMatchObject({ status: 'suspended' });
    problem(await suspend(seller.id), 409);
    expect(ok(await reinstate(seller.id))).toMatchObject({ status: 'active' });
    problem(await activate('sel_nope'), 404);
    // invalid on purpose: the status is no field of an update
    expect((await invalidCall('PATCH', `/v1/sellers/${seller.id}`, { status: 'active' })).statusCode).toBe(422);
  });

  it('emits seller.created and seller.updated with previous_attributes, in the transaction of the change', async () => {
    const seller = await createSeller({ payout_details: { account_holder: 'Ev AB', iban: IBAN } });
    await activate(seller.id);
    await patchSeller(seller.id, { name: 'Ev AB 2', payout_details: { account_holder: 'Ev AB', iban: IBAN_2 } });
    await patchSeller(seller.id, { name: 'Ev AB 2' }); // no change: no event
    const events = await eventsOf(t, ['seller.*'], seller.id);
    expect(events.map((e) => e.type)).toEqual(['seller.created', 'seller.updated', 'seller.updated']);
    expect(events[0]!.data.object).toMatchObject({ id: seller.id, status: 'pending', payout_details: { last4: '3000' } });
    expect(events[1]!.data.previous_attributes).toEqual({ status: 'pending' });
    expect(events[2]!.data.previous_attributes).toEqual({ name: 'Nordic Goods', payout_details: { type: 'iban', account_holder: 'Ev AB', last4: '3000' } });
    expect(events[2]!.data.object).toMatchObject({ name: 'Ev AB 2', payout_details: { last4: '5432' } });
  });

  it('needs sellers:read to read and sellers:write to write', async () => {
    const reader = client(await createKey(t, { type: 'restricted', scopes: ['sellers:read'] }));
    ok(await reader.GET('/v1/sellers'), 200);
    const res = problem(await reader.POST('/v1/sellers', { body: { name: 'X', email: 'x@example.com' } }), 403);
    expect(res.detail).toContain('sellers:write');
    problem(await client(t.keys.publishable).GET('/v1/sellers'), 403);
  });
});

describe('seller keys', () => {
  it('are minted only by the operator route, bound to the seller, with the seller scopes', async () => {
    const seller = await createSeller();
    const keys = (body: { name?: string; scopes?: string[] }, id = seller.id, c = admin) => c.POST('/v1/sellers/{id}/keys', { ...byId(id), body });
    const res = ok(await keys({ name: 'shop sync' }), 201);
    expect(res).toMatchObject({ object: 'api_key', type: 'restricted', seller_id: seller.id, name: 'shop sync', scopes: ['catalog:write', 'seller_orders:write', 'orders:write', 'webhooks:write', 'payouts:read'] });
    expect(res.secret).toMatch(/^rk_test_/);
    expect(ok(await keys({ scopes: ['catalog:read'] })).scopes).toEqual(['catalog:read']);
    expect((await keys({ scopes: ['*'] })).error?.code).toBe('invalid_scopes');
    problem(await keys({}, 'sel_nope'), 404);

    // the generic route cannot set a seller (invalid on purpose: seller_id is no field of it)
    const generic = await invalidCall('POST', '/v1/api_keys', { type: 'restricted', scopes: ['catalog:write'], seller_id: seller.id });
    expect(generic.statusCode).toBe(422);
    // and a key with only api_keys:write cannot reach the operator route
    const keyAdmin = client(await createKey(t, { type: 'restricted', scopes: ['api_keys:write'] }));
    problem(await keys({}, seller.id, keyAdmin), 403);
  });

  it('read their own seller at GET /v1/seller, and get 403 on operator routes', async () => {
    const seller = await createSeller({ payout_details: { account_holder: 'Me AB', iban: IBAN } });
    const own = client(await sellerKey(seller.id));
    expect(ok(await own.GET('/v1/seller'), 200)).toMatchObject({ id: seller.id, payout_details: { last4: '3000' } });
    expect(problem(await admin.GET('/v1/seller'), 403)).toMatchObject({ code: 'seller_key_required' });
    for (const [route, call] of [
      ['POST /v1/regions', () => own.POST('/v1/regions', { body: { name: 'R', currency: 'USD', countries: ['US'], tax_rate: 0 } })],
      ['GET /v1/sellers', () => own.GET('/v1/sellers')],
      ['GET /v1/sellers/{id}', () => own.GET('/v1/sellers/{id}', byId(seller.id))],
      ['PATCH /v1/sellers/{id}', () => own.PATCH('/v1/sellers/{id}', { ...byId(seller.id), body: { name: 'Mine now' } })],
      ['POST /v1/sellers/{id}/keys', () => own.POST('/v1/sellers/{id}/keys', { ...byId(seller.id), body: {} })],
      ['GET /v1/api_keys', () => own.GET('/v1/api_keys')],
    ] as const) {
      const res = await call();
      expect(res.response.status, route).toBe(403);
      expect(problem(res, 403).code).toBe('insufficient_scope');
    }
  });

  it('stop working at once when the seller is suspended, and work again once reinstated', async () => {
    const seller = await createSeller();
    await activate(seller.id);
    const own = client(await sellerKey(seller.id));
    ok(await own.GET('/v1/seller'), 200); // cached now
    await suspend(seller.id);
    const refused = problem(await own.GET('/v1/seller'), 403);
    expect(refused).toMatchObject({ code: 'seller_suspended' });
    expect(refused.detail).toContain(seller.id);
    problem(await own.GET('/v1/products'), 403);
    // no new keys for a suspended seller
    expect(problem(await admin.POST('/v1/sellers/{id}/keys', { ...byId(seller.id), body: {} }), 409)).toMatchObject({ code: 'seller_status_conflict' });
    await reinstate(seller.id);
    ok(await own.GET('/v1/seller'), 200);
  });

  it('a suspension reaches the key cache of another process once it commits', async () => {
    const seller = await createSeller();
    await activate(seller.id);
    const key = await sellerKey(seller.id);
    const db = new Database(t.db.url, 2);
    const bus = new InvalidationBus(t.db.url);
    await bus.start();
    const other = await buildApp({ config: t.config, db, bus, logger: createLogger('silent'), metrics: new Metrics(false) });
    try {
      const there = clientOf(other.app, key);
      const get = async () => (await there.GET('/v1/seller')).response.status;
      expect(await get()).toBe(200); // cached there now
      await suspend(seller.id);
      let status = 200;
      for (let i = 0; i < 50 && status === 200; i++) {
        await new Promise((r) => setTimeout(r, 20));
        status = await get();
      }
      expect(status).toBe(403);
    } finally {
      await other.app.close();
      await bus.close();
      await db.close();
    }
  });

  it('a key bound to a seller that does not exist is not valid', async () => {
    const orphan = await t.modules.developers.keys.createSellerKey('test', ulidIds(), { sellerId: 'sel_ghost', name: null, scopes: ['catalog:read'] });
    problem(await client(orphan.secret).GET('/v1/seller'), 401);
  });
});
