import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import { Database } from '../src/platform/db/database.js';
import { InvalidationBus } from '../src/platform/db/invalidation.js';
import { createLogger } from '../src/platform/observability/logger.js';
import { Metrics } from '../src/platform/observability/metrics.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { eventsOf } from './helpers/events.js';
import { createKey } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const IBAN = 'DE89370400440532013000';
const IBAN_2 = 'GB82WEST12345698765432';
const ACCOUNT = '000123456789';
/** Every response body of this file, to prove no full account number ever leaves the API. */
const bodies: string[] = [];

async function call(method: string, url: string, opts: { key?: string; body?: unknown } = {}) {
  const res = await t.call(method, url, opts);
  bodies.push(res.body);
  return res;
}

async function createSeller(over: Record<string, unknown> = {}): Promise<Record<string, unknown> & { id: string }> {
  const res = await call('POST', '/v1/sellers', { body: { name: 'Nordic Goods', email: 'ops@nordic.example', ...over } });
  if (res.statusCode !== 201) throw new Error(`create seller: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function sellerKey(sellerId: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await call('POST', `/v1/sellers/${sellerId}/keys`, { body });
  if (res.statusCode !== 201) throw new Error(`create seller key: ${res.statusCode} ${res.body}`);
  return res.json().secret as string;
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
    expect((await call('GET', `/v1/sellers/${seller.id}`)).json()).toEqual(seller);

    const other = await createSeller({ name: 'Second' });
    expect(other.payout_details).toBeNull();
    await call('POST', `/v1/sellers/${other.id}/activate`);
    const pending = (await call('GET', '/v1/sellers?status=pending&limit=100')).json().data.map((s: { id: string }) => s.id);
    expect(pending).toContain(seller.id);
    expect(pending).not.toContain(other.id);
    const page1 = (await call('GET', '/v1/sellers?limit=1')).json();
    expect(page1).toMatchObject({ object: 'list', has_more: true });
    const page2 = (await call('GET', `/v1/sellers?limit=100&starting_after=${page1.next_cursor}`)).json();
    expect(page2.data.map((s: { id: string }) => s.id)).not.toContain(page1.data[0].id);

    const patched = await call('PATCH', `/v1/sellers/${seller.id}`, {
      body: { name: 'Nordic Goods Ltd', commission: { rate_ppm: 70_000 }, payout_details: { account_holder: 'Nordic Goods Ltd', account_number: ACCOUNT, routing_number: '110000000' } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'Nordic Goods Ltd', commission: { rate_ppm: 70_000 }, payout_details: { type: 'bank_account', last4: '6789' } });
    expect(patched.json().commission).toEqual({ rate_ppm: 70_000 });
    // the rest of the marketplace reads the terms in commission.ts's shape
    const terms = await t.modules.marketplace.sellers.termsOf(t.db.forEnv('test'), [seller.id, other.id, 'sel_nope']);
    expect(terms.get(seller.id)).toEqual({ status: 'pending', commission: { ratePpm: 70_000 } });
    expect(terms.get(other.id)).toEqual({ status: 'active', commission: {} });
    expect(terms.has('sel_nope')).toBe(false);
    const removed = await call('PATCH', `/v1/sellers/${seller.id}`, { body: { payout_details: null } });
    expect(removed.json().payout_details).toBeNull();
    expect((await call('GET', '/v1/sellers/sel_nope')).json()).toMatchObject({ status: 404, code: 'seller_not_found' });
  });

  it('refuses invalid payout details and commission terms without echoing the number', async () => {
    const bad = [
      { account_holder: 'X', iban: 'DE89370400440532013001' }, // wrong check digits
      { account_holder: 'X', iban: IBAN, account_number: ACCOUNT, routing_number: '110000000' },
      { account_holder: 'X', account_number: ACCOUNT },
      { account_holder: ' ', iban: IBAN },
    ];
    for (const payout_details of bad) {
      const res = await call('POST', '/v1/sellers', { body: { name: 'Bad', email: 'bad@example.com', payout_details } });
      expect(res.statusCode, JSON.stringify(payout_details)).toBe(422);
      expect(res.json().code).toBe('invalid_payout_details');
      expect(res.body).not.toContain('DE8937040044053201300');
      expect(res.body).not.toContain(ACCOUNT);
    }
    for (const commission of [{ rate_ppm: 1_000_001 }, { minimum_fee: -1 }, { rate: 5 }]) {
      const res = await call('POST', '/v1/sellers', { body: { name: 'Bad', email: 'bad@example.com', commission } });
      expect(res.statusCode, JSON.stringify(commission)).toBe(422);
    }
    expect((await call('POST', '/v1/sellers', { body: { name: 'Bad', email: 'not an email' } })).statusCode).toBe(422);
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

    await call('PATCH', `/v1/sellers/${seller.id}`, { body: { payout_details: { account_holder: 'Sealed AB', account_number: ACCOUNT, routing_number: '110000000' } } });
    await call('GET', `/v1/sellers/${seller.id}`);
    await call('GET', '/v1/sellers?limit=100');
    const events = await eventsOf(t, ['seller.*']);
    expect(events.length).toBeGreaterThan(0);
    const everything = [...bodies, JSON.stringify(events)].join('\n');
    for (const number of [IBAN, IBAN_2, ACCOUNT]) expect(everything).not.toContain(number);
    // nor the logs (invalid payout details were logged as problems too)
    for (const number of [IBAN, IBAN_2, ACCOUNT]) expect(t.logs.join('\n')).not.toContain(number);
    expect((await t.call('GET', '/v1/events?limit=100')).body).not.toContain(IBAN_2);
  });

  it('moves pending → active ↔ suspended; any other transition is 409', async () => {
    const seller = await createSeller();
    const act = (action: string) => call('POST', `/v1/sellers/${seller.id}/${action}`);
    expect((await act('suspend')).json()).toMatchObject({ status: 409, code: 'seller_status_conflict' });
    expect((await act('reinstate')).statusCode).toBe(409);
    expect((await act('activate')).json()).toMatchObject({ status: 'active' });
    expect((await act('activate')).statusCode).toBe(409);
    expect((await act('reinstate')).statusCode).toBe(409);
    expect((await act('suspend')).json()).toMatchObject({ status: 'suspended' });
    expect((await act('suspend')).statusCode).toBe(409);
    expect((await act('reinstate')).json()).toMatchObject({ status: 'active' });
    expect((await call('POST', '/v1/sellers/sel_nope/activate')).statusCode).toBe(404);
    expect((await call('PATCH', `/v1/sellers/${seller.id}`, { body: { status: 'active' } })).statusCode).toBe(422);
  });

  it('emits seller.created and seller.updated with previous_attributes, in the transaction of the change', async () => {
    const seller = await createSeller({ payout_details: { account_holder: 'Ev AB', iban: IBAN } });
    await call('POST', `/v1/sellers/${seller.id}/activate`);
    await call('PATCH', `/v1/sellers/${seller.id}`, { body: { name: 'Ev AB 2', payout_details: { account_holder: 'Ev AB', iban: IBAN_2 } } });
    await call('PATCH', `/v1/sellers/${seller.id}`, { body: { name: 'Ev AB 2' } }); // no change: no event
    const events = await eventsOf(t, ['seller.*'], seller.id);
    expect(events.map((e) => e.type)).toEqual(['seller.created', 'seller.updated', 'seller.updated']);
    expect(events[0]!.data.object).toMatchObject({ id: seller.id, status: 'pending', payout_details: { last4: '3000' } });
    expect(events[1]!.data.previous_attributes).toEqual({ status: 'pending' });
    expect(events[2]!.data.previous_attributes).toEqual({ name: 'Nordic Goods', payout_details: { type: 'iban', account_holder: 'Ev AB', last4: '3000' } });
    expect(events[2]!.data.object).toMatchObject({ name: 'Ev AB 2', payout_details: { last4: '5432' } });
  });

  it('needs sellers:read to read and sellers:write to write', async () => {
    const reader = await createKey(t, { type: 'restricted', scopes: ['sellers:read'] });
    expect((await call('GET', '/v1/sellers', { key: reader })).statusCode).toBe(200);
    const res = await call('POST', '/v1/sellers', { key: reader, body: { name: 'X', email: 'x@example.com' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toContain('sellers:write');
    expect((await call('GET', '/v1/sellers', { key: t.keys.publishable })).statusCode).toBe(403);
  });
});

describe('seller keys', () => {
  it('are minted only by the operator route, bound to the seller, with the seller scopes', async () => {
    const seller = await createSeller();
    const res = await call('POST', `/v1/sellers/${seller.id}/keys`, { body: { name: 'shop sync' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ object: 'api_key', type: 'restricted', seller_id: seller.id, name: 'shop sync', scopes: ['catalog:write', 'seller_orders:write', 'orders:write', 'webhooks:write', 'payouts:read'] });
    expect(res.json().secret).toMatch(/^rk_test_/);
    const custom = await call('POST', `/v1/sellers/${seller.id}/keys`, { body: { scopes: ['catalog:read'] } });
    expect(custom.json().scopes).toEqual(['catalog:read']);
    expect((await call('POST', `/v1/sellers/${seller.id}/keys`, { body: { scopes: ['*'] } })).json().code).toBe('invalid_scopes');
    expect((await call('POST', '/v1/sellers/sel_nope/keys', { body: {} })).statusCode).toBe(404);

    // the generic route cannot set a seller
    const generic = await call('POST', '/v1/api_keys', { body: { type: 'restricted', scopes: ['catalog:write'], seller_id: seller.id } });
    expect(generic.statusCode).toBe(422);
    // and a key with only api_keys:write cannot reach the operator route
    const keyAdmin = await createKey(t, { type: 'restricted', scopes: ['api_keys:write'] });
    expect((await call('POST', `/v1/sellers/${seller.id}/keys`, { key: keyAdmin, body: {} })).statusCode).toBe(403);
  });

  it('read their own seller at GET /v1/seller, and get 403 on operator routes', async () => {
    const seller = await createSeller({ payout_details: { account_holder: 'Me AB', iban: IBAN } });
    const key = await sellerKey(seller.id);
    const me = await call('GET', '/v1/seller', { key });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: seller.id, payout_details: { last4: '3000' } });
    expect((await call('GET', '/v1/seller')).json()).toMatchObject({ status: 403, code: 'seller_key_required' });
    for (const [method, url, body] of [
      ['POST', '/v1/regions', { name: 'R', currency: 'USD', countries: ['US'], tax_rate: 0 }],
      ['GET', '/v1/sellers', undefined],
      ['GET', `/v1/sellers/${seller.id}`, undefined],
      ['PATCH', `/v1/sellers/${seller.id}`, { name: 'Mine now' }],
      ['POST', `/v1/sellers/${seller.id}/keys`, {}],
      ['GET', '/v1/api_keys', undefined],
    ] as const) {
      const res = await call(method, url, { key, ...(body ? { body } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().code).toBe('insufficient_scope');
    }
  });

  it('stop working at once when the seller is suspended, and work again once reinstated', async () => {
    const seller = await createSeller();
    await call('POST', `/v1/sellers/${seller.id}/activate`);
    const key = await sellerKey(seller.id);
    expect((await call('GET', '/v1/seller', { key })).statusCode).toBe(200); // cached now
    await call('POST', `/v1/sellers/${seller.id}/suspend`);
    const refused = await call('GET', '/v1/seller', { key });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'seller_suspended' });
    expect(refused.json().detail).toContain(seller.id);
    expect((await call('GET', '/v1/products', { key })).statusCode).toBe(403);
    // no new keys for a suspended seller
    expect((await call('POST', `/v1/sellers/${seller.id}/keys`, { body: {} })).json()).toMatchObject({ status: 409, code: 'seller_status_conflict' });
    await call('POST', `/v1/sellers/${seller.id}/reinstate`);
    expect((await call('GET', '/v1/seller', { key })).statusCode).toBe(200);
  });

  it('a suspension reaches the key cache of another process once it commits', async () => {
    const seller = await createSeller();
    await call('POST', `/v1/sellers/${seller.id}/activate`);
    const key = await sellerKey(seller.id);
    const db = new Database(t.db.url, 2);
    const bus = new InvalidationBus(t.db.url);
    await bus.start();
    const other = await buildApp({ config: t.config, db, bus, logger: createLogger('silent'), metrics: new Metrics(false) });
    try {
      const get = () => other.app.inject({ method: 'GET', url: '/v1/seller', headers: { authorization: `Bearer ${key}` } });
      expect((await get()).statusCode).toBe(200); // cached there now
      await call('POST', `/v1/sellers/${seller.id}/suspend`);
      let status = 200;
      for (let i = 0; i < 50 && status === 200; i++) {
        await new Promise((r) => setTimeout(r, 20));
        status = (await get()).statusCode;
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
    expect((await call('GET', '/v1/seller', { key: orphan.secret })).statusCode).toBe(401);
  });
});
