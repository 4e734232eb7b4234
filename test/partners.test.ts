import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createProduct } from './helpers/fixtures.js';
import { accessToken, basic, signup, signupRequest, tokenRequest } from './helpers/partners.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const asToken = (method: string, url: string, token: string, body?: unknown) => t.call(method, url, { key: token, ...(body !== undefined ? { body } : {}) });
const operator = (method: string, url: string, body?: unknown) => t.call(method, url, { key: t.keys.liveSecret, ...(body !== undefined ? { body } : {}) });

describe('POST /v1/partners (signup)', () => {
  it('is public and returns test-mode client credentials that work at once', async () => {
    const res = await signupRequest(t, { name: 'Acme Apps', email: 'dev@acme.example', kind: 'integrator', scopes: ['catalog:read', 'carts:write'] });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const { partner, credentials } = res.json();
    expect(partner).toMatchObject({ object: 'partner', kind: 'integrator', status: 'pending', requested_scopes: ['catalog:read', 'carts:write'], granted_scopes: null, test_seller_id: null });
    expect(partner.clients).toEqual([expect.objectContaining({ id: credentials.client_id, environment: 'test', revoked_at: null })]);
    expect(credentials).toMatchObject({ environment: 'test', scopes: ['catalog:read', 'carts:write'], seller_id: null });
    expect(credentials.client_secret).toMatch(/^cs_test_/);
    // the secret is shown once: never in the partner object
    expect(JSON.stringify(partner)).not.toContain(credentials.client_secret);

    const token = await accessToken(t, credentials);
    const products = await asToken('GET', '/v1/products', token);
    expect(products.statusCode).toBe(200);
    expect((await asToken('GET', '/v1/partner', token)).json()).toMatchObject({ id: partner.id, status: 'pending' });
  });

  it('refuses "*", operator scopes, malformed scopes and bad bodies with 422', async () => {
    const base = { name: 'Bad', email: 'bad@example.com', kind: 'integrator' };
    for (const scopes of [['*'], ['partners:write'], ['api_keys:read'], ['oauth:write'], ['catalog'], ['Catalog:read'], []]) {
      const res = await signupRequest(t, { ...base, scopes });
      expect(res.statusCode, JSON.stringify(scopes)).toBe(422);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    expect((await signupRequest(t, { ...base, kind: 'reseller', scopes: ['catalog:read'] })).statusCode).toBe(422);
    expect((await signupRequest(t, { ...base, email: 'nope', scopes: ['catalog:read'] })).statusCode).toBe(422);
    expect((await signupRequest(t, { name: 'x', kind: 'integrator', scopes: ['catalog:read'] })).statusCode).toBe(422);
  });

  it('is limited per IP address (default 10 an hour) with 429 and RateLimit headers', async () => {
    const ip = '192.0.2.77';
    const body = { name: 'Spammer', email: 'spam@example.com', kind: 'integrator', scopes: ['catalog:read'] };
    for (let i = 0; i < 10; i++) {
      const ok = await signupRequest(t, body, ip);
      expect(ok.statusCode).toBe(201);
      expect(ok.headers['ratelimit-policy']).toBe('"default";q=10;w=3600');
    }
    const refused = await signupRequest(t, body, ip);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['ratelimit']).toMatch(/^"default";r=0;t=\d+$/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    // another address is not affected
    expect((await signupRequest(t, body, '192.0.2.78')).statusCode).toBe(201);
  });
});

describe('approval and live credentials', () => {
  it('refuses granted scopes wider than requested with 422, and needs a live operator key', async () => {
    const { partner } = await signup(t, { scopes: ['catalog:write', 'carts:write'] });
    const wider = await operator('POST', `/v1/partners/${partner.id}/approve`, { scopes: ['catalog:write', 'orders:read'] });
    expect(wider.statusCode).toBe(422);
    expect(wider.json().code).toBe('scopes_wider_than_requested');
    const star = await operator('POST', `/v1/partners/${partner.id}/approve`, { scopes: ['*'] });
    expect(star.statusCode).toBe(422);
    const testKey = await t.call('POST', `/v1/partners/${partner.id}/approve`, { body: { scopes: ['catalog:read'] } });
    expect([testKey.statusCode, testKey.json().code]).toEqual([403, 'live_mode_required']);
    expect((await operator('POST', '/v1/partners/ptr_missing/approve', { scopes: ['catalog:read'] })).statusCode).toBe(404);
    // narrower than requested is fine (catalog:write covers catalog:read)
    const ok = await operator('POST', `/v1/partners/${partner.id}/approve`, { scopes: ['catalog:read'] });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().partner).toMatchObject({ status: 'approved', granted_scopes: ['catalog:read'] });
    expect((await operator('POST', `/v1/partners/${partner.id}/approve`, { scopes: ['catalog:read'] })).statusCode).toBe(409);
  });

  it('issues live credentials that work only in live mode', async () => {
    const { partner, credentials: testCreds } = await signup(t, { scopes: ['catalog:read'] });
    const approved = await operator('POST', `/v1/partners/${partner.id}/approve`, { scopes: ['catalog:read'] });
    const live = approved.json().credentials;
    expect(live).toMatchObject({ environment: 'live', scopes: ['catalog:read'] });
    expect(live.client_secret).toMatch(/^cs_live_/);
    expect(approved.json().partner.clients.map((c: { environment: string }) => c.environment).sort()).toEqual(['live', 'test']);

    const sharedTestProduct = await createProduct(t); // the installation's own test mode, not the partner's sandbox
    const liveProduct = await createProduct(t, {}, t.keys.liveSecret);
    const liveToken = await accessToken(t, live);
    const testToken = await accessToken(t, testCreds);
    const sandboxProduct = (await asToken('GET', '/v1/products?limit=1', testToken)).json().data[0]; // the demo store the sandbox was seeded with
    expect((await asToken('GET', `/v1/products/${liveProduct.id}`, liveToken)).statusCode).toBe(200);
    expect((await asToken('GET', `/v1/products/${sandboxProduct.id}`, liveToken)).statusCode).toBe(404);
    expect((await asToken('GET', `/v1/products/${sandboxProduct.id}`, testToken)).statusCode).toBe(200);
    expect((await asToken('GET', `/v1/products/${liveProduct.id}`, testToken)).statusCode).toBe(404);
    expect((await asToken('GET', `/v1/products/${sharedTestProduct.id}`, testToken)).statusCode).toBe(404);
  });

  it('operators list and read partners; a partner reads only itself', async () => {
    const { partner, credentials } = await signup(t, { name: 'Listed Co' });
    const list = await operator('GET', '/v1/partners?limit=100');
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((p: { id: string }) => p.id)).toContain(partner.id);
    const one = await operator('GET', `/v1/partners/${partner.id}`);
    expect(one.json()).toMatchObject({ id: partner.id, name: 'Listed Co' });
    expect((await operator('GET', '/v1/partners/ptr_nope')).statusCode).toBe(404);
    expect((await t.call('GET', '/v1/partners')).statusCode).toBe(403); // a test key is not an operator here

    const token = await accessToken(t, credentials);
    expect((await asToken('GET', '/v1/partners', token)).statusCode).toBe(403);
    expect((await asToken('GET', `/v1/partners/${partner.id}`, token)).statusCode).toBe(403);
    expect((await asToken('GET', '/v1/partner', token)).json().id).toBe(partner.id);
    expect((await t.call('GET', '/v1/partner')).json().code).toBe('not_a_partner');
  });
});

describe('seller partners', () => {
  it('get a pending sandbox seller, and their tokens are confined to it', async () => {
    const { partner, credentials } = await signup(t, { kind: 'seller', name: 'Nordic Goods', email: 'ops@nordic.example', scopes: ['catalog:write', 'seller_orders:write'] });
    expect(partner.test_seller_id).toMatch(/^sel_/);
    expect(credentials.seller_id).toBe(partner.test_seller_id);
    const token = await accessToken(t, credentials);
    const me = await asToken('GET', '/v1/seller', token);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: partner.test_seller_id, status: 'pending', partner_id: partner.id });
    // routes without seller support refuse seller tokens, whatever their scopes
    expect((await asToken('GET', '/v1/sellers', token)).statusCode).toBe(403);
    expect((await asToken('GET', `/v1/sellers/${partner.test_seller_id}`, token)).statusCode).toBe(403);
    expect((await asToken('GET', '/v1/seller_orders', token)).statusCode).toBe(200);

    // approval creates the live seller, with live credentials bound to it
    const approved = (await operator('POST', `/v1/partners/${partner.id}/approve`, { scopes: ['catalog:write'] })).json();
    expect(approved.partner.live_seller_id).toMatch(/^sel_/);
    expect(approved.credentials.seller_id).toBe(approved.partner.live_seller_id);
    const liveMe = await asToken('GET', '/v1/seller', await accessToken(t, approved.credentials));
    expect(liveMe.json()).toMatchObject({ id: approved.partner.live_seller_id, partner_id: partner.id });
  });

  it('concurrent approvals of a seller partner make one live seller and one set of live credentials', async () => {
    const { partner } = await signup(t, { kind: 'seller', name: 'Twice Goods', email: 'ops@twice.example', scopes: ['catalog:write'] });
    const answers = await Promise.all([1, 2, 3].map(() => operator('POST', `/v1/partners/${partner.id}/approve`, { scopes: ['catalog:write'] })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409, 409]);
    const sellers = await t.db.forEnv('live').query<{ id: string }>('SELECT id FROM sellers WHERE partner_id = $1', [partner.id]);
    expect(sellers.rows).toHaveLength(1);
    const winner = answers.find((a) => a.statusCode === 200)!.json();
    expect(winner.partner.live_seller_id).toBe(sellers.rows[0]!.id);
    expect(winner.partner.clients.filter((c: { environment: string }) => c.environment === 'live')).toHaveLength(1);
  });

  it('a suspended seller\'s client cannot get tokens and its tokens stop (unauthorized_client, 401)', async () => {
    const { partner, credentials } = await signup(t, { kind: 'seller', scopes: ['catalog:write'] });
    const token = await accessToken(t, credentials);
    // the operator acts in the partner's sandbox with its test key and Tessera-Partner
    const inSandbox = { headers: { 'tessera-partner': partner.id } };
    const activated = await t.call('POST', `/v1/sellers/${partner.test_seller_id}/activate`, inSandbox);
    expect(activated.statusCode).toBe(200);
    expect((await t.call('POST', `/v1/sellers/${partner.test_seller_id}/suspend`, inSandbox)).statusCode).toBe(200);
    expect((await asToken('GET', '/v1/seller', token)).statusCode).toBe(401);
    const refused = await tokenRequest(t, { grant_type: 'client_credentials' }, { authorization: basic(credentials.client_id, credentials.client_secret) });
    expect([refused.statusCode, refused.json().error]).toEqual([400, 'unauthorized_client']);
  });
});
