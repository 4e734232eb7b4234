import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { checkout, createStore, freshCountry, readyCart, type Store } from './helpers/commerce.js';

let t: TestApp;
let store: Store;
let country: string;
beforeAll(async () => {
  t = await startTestApp();
  country = freshCountry();
  store = await createStore(t, { country, stock: 100 });
});
afterAll(() => t.close());

async function counter(name: string): Promise<Record<string, number>> {
  const metric = await t.metrics.registry.getSingleMetric(name)?.get();
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.p95_latency), v.value]));
}

const job = () => t.modules.carts.abandonment.markAbandoned({ db: t.db.forEnv('test'), now: () => new Date() });

describe('cart abandonment by latency bucket', () => {
  it('records what each cart request took, off the request path', async () => {
    const cartId = await readyCart(t, store, { country });
    await t.modules.carts.latency.flush();
    const { rows } = await t.db.forEnv('test').query<{ latency_ms: number[] }>('SELECT latency_ms FROM carts WHERE id = $1', [cartId]);
    // create, address and e-mail, shipping
    expect(rows[0]?.latency_ms).toHaveLength(3);
    for (const ms of rows[0]?.latency_ms ?? []) expect(ms).toBeGreaterThanOrEqual(0);
  });

  it('counts an idle cart with items as abandoned once, in the bucket of its p95 latency', async () => {
    const idle = await readyCart(t, store, { country });
    const empty = (await t.call('POST', '/v1/carts', { key: t.keys.publishable, body: { region_id: store.regionId } })).json().id as string;
    await t.modules.carts.latency.flush();
    // the shopper saw one slow answer among fast ones; then nothing for two hours
    await t.db.forEnv('test').query("UPDATE carts SET latency_ms = '{20,30,40,700}', updated_at = now() - interval '2 hours' WHERE id = ANY($1)", [[idle, empty]]);
    const before = await counter('tessera_carts_abandoned_total');
    expect(await job()).toBe(1); // the empty cart is not abandoned: nothing was in it
    const after = await counter('tessera_carts_abandoned_total');
    expect((after.le_1000ms ?? 0) - (before.le_1000ms ?? 0)).toBe(1);
    expect(await job()).toBe(0);
  });

  it('leaves recent carts alone, and counts checked-out carts by the same buckets', async () => {
    const recent = await readyCart(t, store, { country });
    expect(await job()).toBe(0);
    const before = await counter('tessera_carts_checked_out_total');
    expect((await checkout(t, recent)).statusCode).toBe(201);
    const after = await counter('tessera_carts_checked_out_total');
    const added = Object.entries(after).reduce((sum, [k, v]) => sum + v - (before[k] ?? 0), 0);
    expect(added).toBe(1);
    // its bucket is one a measured latency gives (not 'unknown': the samples were kept)
    expect((after.unknown ?? 0) - (before.unknown ?? 0)).toBe(0);
  });
});
