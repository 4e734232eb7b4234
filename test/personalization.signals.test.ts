import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulidIds } from '../src/platform/crypto/ids.js';
import { jobContext } from '../src/platform/http/module.js';
import type { operations, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { ADDRESS, createStore, freshCountry, type Store } from './helpers/commerce.js';
import { eventsOf } from './helpers/events.js';
import { api, checkout, ok, problem } from './helpers/sdk.js';

let t: TestApp;
let admin: TesseraClient;
let shop: TesseraClient;
let store: Store;
let country: string;

beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
  shop = api(t, t.keys.publishable);
  country = freshCountry();
  store = await createStore(t, { country, prices: [1000, 2000] });
});
afterAll(() => t.close());

const uid = () => crypto.randomBytes(6).toString('hex');
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
type Signal = operations['postV1Signals']['requestBody']['content']['application/json']['signals'][number];
const send = (signals: Signal[], client = shop) => client.POST('/v1/signals', { body: { signals } });

interface StoredSignal {
  id: string;
  type: string;
  product_id: string;
  customer_id: string | null;
  anonymous_id: string | null;
  occurred_at: Date;
}

async function stored(ids: string[]): Promise<StoredSignal[]> {
  const { rows } = await t.db.forEnv('test').query<StoredSignal>('SELECT id, type, product_id, customer_id, anonymous_id, occurred_at FROM signals WHERE id = ANY($1::text[]) ORDER BY id', [ids]);
  return rows;
}

describe('POST /v1/signals', () => {
  it('stores a batch sent with a publishable key, compactly, and answers what it received', async () => {
    const p = uid();
    const signals: Signal[] = [
      { id: `${p}-1`, type: 'view', product_id: 'prod_a', anonymous_id: `anon_${p}`, occurred_at: ago(3) },
      { id: `${p}-2`, type: 'add_to_cart', product_id: 'prod_a', anonymous_id: `anon_${p}`, occurred_at: ago(2) },
      { id: `${p}-3`, type: 'purchase', product_id: 'prod_b', customer_id: `cus_${p}`, occurred_at: ago(1) },
    ];
    expect(ok(await send(signals), 200)).toEqual({ object: 'signal_batch', received: 3, duplicates: 0 });
    const rows = await stored(signals.map((s) => s.id));
    expect(rows.map((r) => [r.id, r.type, r.product_id, r.customer_id, r.anonymous_id, r.occurred_at.toISOString()])).toEqual(
      signals.map((s) => [s.id, s.type, s.product_id, s.customer_id ?? null, s.anonymous_id ?? null, s.occurred_at]),
    );
  });

  it('is idempotent on the signal id: a resent signal is a duplicate and keeps what was stored first', async () => {
    const p = uid();
    const first: Signal = { id: `${p}-1`, type: 'view', product_id: 'prod_a', customer_id: `cus_${p}`, occurred_at: ago(5) };
    expect(ok(await send([first], admin))).toMatchObject({ received: 1, duplicates: 0 });
    const again = { ...first, product_id: 'prod_changed' };
    const fresh: Signal = { id: `${p}-2`, type: 'view', product_id: 'prod_c', customer_id: `cus_${p}`, occurred_at: ago(4) };
    // resent, new, and the new one repeated within the batch
    expect(ok(await send([again, fresh, fresh]))).toEqual({ object: 'signal_batch', received: 1, duplicates: 2 });
    expect((await stored([first.id, fresh.id])).map((r) => r.product_id)).toEqual(['prod_a', 'prod_c']);
  });

  it('takes up to 500 signals in a batch and refuses 501 with a 422', async () => {
    const p = uid();
    const batch = (n: number) => Array.from({ length: n }, (_, i): Signal => ({ id: `${p}-${n}-${i}`, type: 'view', product_id: `prod_${i % 7}`, anonymous_id: `anon_${i % 13}`, occurred_at: ago(10) }));
    expect(ok(await send(batch(500)), 200)).toMatchObject({ received: 500, duplicates: 0 });
    const over = problem(await send(batch(501)), 422);
    expect(over).toMatchObject({ code: 'validation_failed' });
    expect(JSON.stringify(over.errors)).toContain('/signals');
    expect(await stored(batch(501).map((s) => s.id))).toEqual([]);
    problem(await send([]), 422);
  });

  it('refuses the whole batch, storing nothing, when a signal is invalid, and points at each problem', async () => {
    const p = uid();
    const good: Signal = { id: `${p}-ok`, type: 'view', product_id: 'prod_a', anonymous_id: 'anon_1', occurred_at: ago(1) };
    const cases: [unknown, string, string][] = [
      [{ ...good, id: `${p}-future`, occurred_at: new Date(Date.now() + 3_600_000).toISOString() }, '/signals/1/occurred_at', 'invalid_signals'],
      [{ ...good, id: `${p}-old`, occurred_at: new Date(Date.now() - 91 * 86_400_000).toISOString() }, '/signals/1/occurred_at', 'invalid_signals'],
      [{ id: `${p}-nobody`, type: 'view', product_id: 'prod_a', occurred_at: ago(1) }, '/signals/1', 'invalid_signals'],
      [{ ...good, id: `${p}-type`, type: 'wishlist' }, '/signals/1/type', 'validation_failed'],
      [{ ...good, id: `${p}-extra`, payload: { a: 1 } }, '/signals/1/payload', 'validation_failed'],
      [{ ...good, id: `${p}-time`, occurred_at: 'yesterday' }, '/signals/1/occurred_at', 'validation_failed'],
    ];
    for (const [bad, pointer, code] of cases) {
      // invalid on purpose: some of these signals break the types (a wishlist type, an extra field)
      const res = await send([good, bad as Signal]);
      expect(res.response.status, JSON.stringify(bad)).toBe(422);
      const refused = problem(res, 422);
      expect(refused.code).toBe(code);
      expect(refused.errors?.map((e) => e.pointer)).toContain(pointer);
    }
    // a little clock skew is fine
    const skewed: Signal = { ...good, id: `${p}-skew`, occurred_at: new Date(Date.now() + 60_000).toISOString() };
    ok(await send([skewed]), 200);
    expect(await stored([good.id])).toEqual([]);
  });

  it('needs the signals:write scope', async () => {
    const { secret } = ok(await admin.POST('/v1/api_keys', { body: { type: 'restricted', scopes: ['catalog:read'] } }), 201);
    problem(await send([{ id: uid(), type: 'view', product_id: 'p', anonymous_id: 'a', occurred_at: ago(1) }], api(t, secret)), 403);
  });
});

describe('purchases from orders', () => {
  async function placeOrder(body: { customer_id?: string; metadata?: Record<string, string> }) {
    const { id } = ok(await admin.POST('/v1/carts', { body: { region_id: store.regionId, items: store.skus.map((sku) => ({ sku, quantity: 2 })), ...body } }), 201);
    const path = { params: { path: { id } } };
    ok(await admin.PATCH('/v1/carts/{id}', { ...path, body: { email: 'ada@example.com', shipping_address: { ...ADDRESS, country } } }), 200);
    ok(await admin.POST('/v1/carts/{id}/shipping', { ...path, body: { option_id: store.flatId } }), 200);
    return ok(await checkout(admin, id), 201);
  }

  it('writes one purchase signal per order line, id sig_<line id>, at the order time, once however often the event is dispatched', async () => {
    const customer = `cus_${uid()}`;
    const order = await placeOrder({ customer_id: customer });
    await t.modules.dispatcher.drain();
    const ids = order.lines.map((l) => `sig_${l.id}`);
    const rows = await stored(ids);
    expect(rows.map((r) => ({ id: r.id, type: r.type, product_id: r.product_id, customer_id: r.customer_id, anonymous_id: r.anonymous_id, at: r.occurred_at.toISOString() }))).toEqual(
      order.lines.map((l) => ({ id: `sig_${l.id}`, type: 'purchase', product_id: l.product_id, customer_id: customer, anonymous_id: null, at: order.created_at })).sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    expect(order.lines).toHaveLength(2);

    // the event dispatched again (at least once delivery) adds nothing
    const [created] = await eventsOf(t, ['order.created'], order.id);
    const before = (await t.db.forEnv('test').query<{ n: number }>('SELECT count(*)::int AS n FROM signals')).rows[0]!.n;
    await t.db.forEnv('test').transaction((tx) => t.modules.personalization.signals.onEvents(tx, [created!], jobContext({ db: t.db, ids: ulidIds(), now: () => new Date() }, 'test')));
    const after = (await t.db.forEnv('test').query<{ n: number }>('SELECT count(*)::int AS n FROM signals')).rows[0]!.n;
    expect(after).toBe(before);
  });

  it('names an order without a customer by its metadata anonymous_id, else by the order id', async () => {
    const anon = `anon_${uid()}`;
    const tagged = await placeOrder({ metadata: { anonymous_id: anon } });
    const bare = await placeOrder({});
    await t.modules.dispatcher.drain();
    expect((await stored(tagged.lines.map((l) => `sig_${l.id}`))).map((r) => [r.customer_id, r.anonymous_id])).toEqual([
      [null, anon],
      [null, anon],
    ]);
    expect((await stored(bare.lines.map((l) => `sig_${l.id}`))).map((r) => r.anonymous_id)).toEqual([bare.id, bare.id]);
  });
});
