import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createKey, productBody } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const key = () => `idem-${Math.random().toString(36).slice(2)}`;
async function countProducts(title: string): Promise<number> {
  const { rows } = await t.db.forEnv('test').query<{ n: number }>('SELECT count(*)::int AS n FROM products WHERE title = $1', [title]);
  return rows[0]!.n;
}

describe('Idempotency-Key', () => {
  it('replays the stored response for a retry, marked Idempotent-Replayed', async () => {
    const k = key();
    const body = productBody();
    const first = await t.call('POST', '/v1/products', { body, headers: { 'idempotency-key': k } });
    const second = await t.call('POST', '/v1/products', { body, headers: { 'idempotency-key': `"${k}"` } });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect(await countProducts(body.title as string)).toBe(1);
  });

  it('20 parallel POSTs with one key create exactly one resource; the rest replay or get 409', async () => {
    const k = key();
    const body = productBody();
    const results = await Promise.all(Array.from({ length: 20 }, () => t.call('POST', '/v1/products', { body, headers: { 'idempotency-key': k } })));
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const fresh = results.filter((r) => r.statusCode === 201 && r.headers['idempotent-replayed'] !== 'true');
    expect(fresh).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode === 409)) expect(r.json().code).toBe('idempotency_key_in_use');
    for (const r of results.filter((x) => x.headers['idempotent-replayed'] === 'true')) expect(r.json().id).toBe(fresh[0]!.json().id);
    expect(await countProducts(body.title as string)).toBe(1);
  });

  it('a reused key with a different body gets 422', async () => {
    const k = key();
    expect((await t.call('POST', '/v1/products', { body: productBody(), headers: { 'idempotency-key': k } })).statusCode).toBe(201);
    const res = await t.call('POST', '/v1/products', { body: productBody(), headers: { 'idempotency-key': k } });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('idempotency_key_reused');
  });

  it('a request still in flight gets 409', async () => {
    const k = key();
    const body = productBody();
    // Claim the key as an in-flight request of another process would.
    const credentialId = (await t.modules.developers.keys.authenticate(t.keys.secret))!.id;
    const first = await t.call('POST', '/v1/products', { body, headers: { 'idempotency-key': k } });
    await t.db.forEnv('test').query(`UPDATE idempotency_keys SET state = 'in_flight', locked_until = now() + interval '1 minute' WHERE credential_id = $1 AND key = $2`, [credentialId, k]);
    const res = await t.call('POST', '/v1/products', { body, headers: { 'idempotency-key': k } });
    expect(first.statusCode).toBe(201);
    expect(res.statusCode).toBe(409);
    expect(res.headers['retry-after']).toBe('1');
  });

  it('errors from the handler are stored and replayed; validation failures are not stored', async () => {
    const k = key();
    const invalid = await t.call('POST', '/v1/products', { body: { title: 'x' }, headers: { 'idempotency-key': k } });
    expect(invalid.statusCode).toBe(422);
    const valid = productBody();
    const ok = await t.call('POST', '/v1/products', { body: valid, headers: { 'idempotency-key': k } });
    expect(ok.statusCode).toBe(201); // the failed validation did not burn the key

    const k2 = key();
    const dup = productBody({ category_ids: ['cat_missing'] });
    const failed = await t.call('POST', '/v1/products', { body: dup, headers: { 'idempotency-key': k2 } });
    expect(failed.statusCode).toBe(422);
    expect(failed.json().code).toBe('unknown_category');
    const replay = await t.call('POST', '/v1/products', { body: dup, headers: { 'idempotency-key': k2 } });
    expect(replay.statusCode).toBe(422);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers['content-type']).toMatch(/problem\+json/);
  });

  it('is scoped to the credential: another key may use the same value', async () => {
    const other = await createKey(t, { type: 'secret' });
    const k = key();
    const a = await t.call('POST', '/v1/products', { body: productBody(), headers: { 'idempotency-key': k } });
    const b = await t.call('POST', '/v1/products', { key: other, body: productBody(), headers: { 'idempotency-key': k } });
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
  });

  it('rejects bad keys, and GET and DELETE ignore the header', async () => {
    const long = await t.call('POST', '/v1/products', { body: productBody(), headers: { 'idempotency-key': 'k'.repeat(256) } });
    expect(long.statusCode).toBe(400);
    expect(long.json().code).toBe('idempotency_key_invalid');
    const get = await t.call('GET', '/v1/products', { headers: { 'idempotency-key': 'k'.repeat(256) } });
    expect(get.statusCode).toBe(200);
  });

  it('expired keys are purged and may be used again', async () => {
    const k = key();
    const body = productBody();
    await t.call('POST', '/v1/products', { body, headers: { 'idempotency-key': k } });
    await t.db.forEnv('test').query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, [k]);
    const again = await t.call('POST', '/v1/products', { body, headers: { 'idempotency-key': k } });
    expect(again.headers['idempotent-replayed']).toBeUndefined(); // past retention: a new request
    await t.db.forEnv('test').query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, [k]);
    expect(await t.idempotency.purgeExpired()).toBeGreaterThanOrEqual(1);
    const { rowCount } = await t.db.forEnv('test').query('SELECT 1 FROM idempotency_keys WHERE key = $1', [k]);
    expect(rowCount).toBe(0);
  });
});
