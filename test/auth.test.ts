import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createKey, createProduct, productBody } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('authentication and scopes', () => {
  it('every route declares its auth: public, or the scopes it needs', () => {
    const undeclared = t.routes.filter((r) => !r.options.config?.auth).map((r) => `${r.method} ${r.url}`);
    expect(t.routes.length).toBeGreaterThan(10);
    expect(undeclared).toEqual([]);
    // the public /v1 routes: carriers authenticate with their own signatures, not our keys; partner
    // signup is how a partner gets its first credentials (rate-limited per IP instead)
    const publicV1 = ['POST /v1/carriers/:carrier/webhooks', 'POST /v1/partners'];
    const v1 = t.routes.filter((r) => r.url.startsWith('/v1/') && !publicV1.includes(`${r.method} ${r.url}`));
    for (const r of v1) expect(r.options.config?.auth, `${r.method} ${r.url}`).toHaveProperty('scopes');
  });

  it('a missing key gets 401 with WWW-Authenticate', async () => {
    const res = await t.call('GET', '/v1/products', { key: null });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json()).toMatchObject({ status: 401, code: 'authentication_required', type: '/problems#authentication_required' });
  });

  it('an unknown, malformed or revoked key gets 401', async () => {
    for (const key of ['sk_test_0000000000000000000000000000000000', 'nonsense']) {
      const res = await t.call('GET', '/v1/products', { key });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('invalid_api_key');
    }
    const bad = await t.call('GET', '/v1/products', { key: null, headers: { authorization: 'Basic abc' } });
    expect(bad.statusCode).toBe(401);
    const doomed = await createKey(t, { type: 'secret' });
    expect((await t.call('GET', '/v1/products', { key: doomed })).statusCode).toBe(200);
    const list = await t.call('GET', '/v1/api_keys?limit=100');
    const id = list.json().data.find((k: { redacted: string }) => doomed.endsWith(k.redacted.slice(-4)) && doomed.startsWith(k.redacted.slice(0, 8))).id;
    expect((await t.call('DELETE', `/v1/api_keys/${id}`)).statusCode).toBe(200);
    expect((await t.call('GET', '/v1/products', { key: doomed })).statusCode).toBe(401);
  });

  it('a valid key without the scope gets 403 naming the missing scope', async () => {
    const readOnly = await createKey(t, { type: 'restricted', scopes: ['catalog:read'] });
    expect((await t.call('GET', '/v1/products', { key: readOnly })).statusCode).toBe(200);
    const res = await t.call('POST', '/v1/products', { key: readOnly, body: productBody() });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'insufficient_scope', status: 403 });
    expect(res.json().detail).toContain('catalog:write');
    expect(res.headers['www-authenticate']).toContain('insufficient_scope');
    const keysRes = await t.call('GET', '/v1/api_keys', { key: readOnly });
    expect(keysRes.statusCode).toBe(403);
    expect(keysRes.json().detail).toContain('api_keys:read');
  });

  it('publishable keys read published products only and cannot write', async () => {
    const draft = await createProduct(t, { status: 'draft' });
    const published = await createProduct(t, { status: 'published' });
    expect((await t.call('GET', `/v1/products/${draft.id}`, { key: t.keys.publishable })).statusCode).toBe(404);
    expect((await t.call('GET', `/v1/products/${draft.id}`)).statusCode).toBe(200);
    expect((await t.call('GET', `/v1/products/${published.id}`, { key: t.keys.publishable })).statusCode).toBe(200);
    const list = await t.call('GET', '/v1/products?limit=100', { key: t.keys.publishable });
    const ids = list.json().data.map((p: { id: string }) => p.id);
    expect(ids).toContain(published.id);
    expect(ids).not.toContain(draft.id);
    expect((await t.call('POST', '/v1/products', { key: t.keys.publishable, body: productBody() })).statusCode).toBe(403);
  });

  it('keys are shown once and stored only as hashes', async () => {
    const created = await t.call('POST', '/v1/api_keys', { body: { type: 'restricted', scopes: ['catalog:read'], name: 'ci' } });
    const secret = created.json().secret as string;
    expect(secret).toMatch(/^rk_test_/);
    const rows = await t.db.forEnv('test').query<{ key_hash: string; redacted: string }>('SELECT key_hash, redacted FROM api_keys');
    expect(JSON.stringify(rows.rows)).not.toContain(secret);
    const list = await t.call('GET', '/v1/api_keys?limit=100');
    expect(list.body).not.toContain(secret);
  });

  it('seller keys are refused by every route that does not opt in, whatever their scopes', async () => {
    const seller = (await t.call('POST', '/v1/sellers', { body: { name: 'Auth Seller', email: 'auth@example.com' } })).json();
    const key = (await t.call('POST', `/v1/sellers/${seller.id}/keys`, { body: { scopes: ['regions:write', 'api_keys:write', 'orders:read'] } })).json().secret as string;
    const regions = await t.call('POST', '/v1/regions', { key, body: { name: 'Nowhere', currency: 'USD', countries: ['AQ'], tax_rate: 0 } });
    expect(regions.statusCode).toBe(403);
    expect(regions.json()).toMatchObject({ code: 'insufficient_scope', detail: 'Seller keys cannot use this route.' });
    expect((await t.call('POST', '/v1/api_keys', { key, body: { type: 'secret' } })).statusCode).toBe(403);
    expect((await t.call('GET', '/v1/regions', { key })).statusCode).toBe(403);
  });

  it('restricted keys need explicit scopes and never "*"', async () => {
    for (const body of [{ type: 'restricted' }, { type: 'restricted', scopes: ['*'] }, { type: 'secret', scopes: ['not a scope'] }]) {
      const res = await t.call('POST', '/v1/api_keys', { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().code).toBe('invalid_scopes');
    }
  });
});

describe('environments', () => {
  it('a test key never reads live data, and a live key never reads test data', async () => {
    const testProduct = await createProduct(t, {}, t.keys.secret);
    const liveProduct = await createProduct(t, {}, t.keys.liveSecret);
    expect((await t.call('GET', `/v1/products/${testProduct.id}`, { key: t.keys.liveSecret })).statusCode).toBe(404);
    expect((await t.call('GET', `/v1/products/${liveProduct.id}`, { key: t.keys.secret })).statusCode).toBe(404);
    const liveList = (await t.call('GET', '/v1/products?limit=100', { key: t.keys.liveSecret })).json().data.map((p: { id: string }) => p.id);
    expect(liveList).toContain(liveProduct.id);
    expect(liveList).not.toContain(testProduct.id);
    // and each environment's rows live in their own schema
    const live = await t.db.forEnv('live').query('SELECT 1 FROM products WHERE id = $1', [testProduct.id]);
    expect(live.rowCount).toBe(0);
  });

  it('keys are created in the environment of the key that asks', async () => {
    const res = await t.call('POST', '/v1/api_keys', { key: t.keys.liveSecret, body: { type: 'publishable' } });
    expect(res.json()).toMatchObject({ environment: 'live', type: 'publishable' });
    expect(res.json().secret).toMatch(/^pk_live_/);
  });
});
