import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createProduct } from './helpers/fixtures.js';
import { accessToken, basic, signup, signupRequest, tokenRequest } from './helpers/partners.js';
import { api, ok, problem } from './helpers/sdk.js';

// Signups go through signupRequest (test/helpers/partners.ts), not the SDK: the route is public (the
// SDK always sends a key) and limited per client address, which only an inject can set.
let t: TestApp;
/** The live-mode secret key: operators approve and list partners in live mode. */
let operator: TesseraClient;
/** The test-mode secret key: no operator of partners. */
let testKey: TesseraClient;
beforeAll(async () => {
  t = await startTestApp();
  operator = api(t, t.keys.liveSecret);
  testKey = api(t);
});
afterAll(() => t.close());

const byId = (id: string) => ({ params: { path: { id } } });
const approve = (client: TesseraClient, partnerId: string, scopes: string[]) => client.POST('/v1/partners/{id}/approve', { ...byId(partnerId), body: { scopes } });

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

    const asPartner = api(t, await accessToken(t, credentials));
    ok(await asPartner.GET('/v1/products'), 200);
    expect(ok(await asPartner.GET('/v1/partner'))).toMatchObject({ id: partner.id, status: 'pending' });
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
      const accepted = await signupRequest(t, body, ip);
      expect(accepted.statusCode).toBe(201);
      expect(accepted.headers['ratelimit-policy']).toBe('"default";q=10;w=3600');
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
    const wider = problem(await approve(operator, partner.id, ['catalog:write', 'orders:read']), 422);
    expect(wider.code).toBe('scopes_wider_than_requested');
    problem(await approve(operator, partner.id, ['*']), 422);
    expect(problem(await approve(testKey, partner.id, ['catalog:read']), 403).code).toBe('live_mode_required');
    problem(await approve(operator, 'ptr_missing', ['catalog:read']), 404);
    // narrower than requested is fine (catalog:write covers catalog:read)
    const approved = ok(await approve(operator, partner.id, ['catalog:read']), 200);
    expect(approved.partner).toMatchObject({ status: 'approved', granted_scopes: ['catalog:read'] });
    problem(await approve(operator, partner.id, ['catalog:read']), 409);
  });

  it('issues live credentials that work only in live mode', async () => {
    const { partner, credentials: testCreds } = await signup(t, { scopes: ['catalog:read'] });
    const approved = ok(await approve(operator, partner.id, ['catalog:read']));
    const live = approved.credentials;
    expect(live).toMatchObject({ environment: 'live', scopes: ['catalog:read'] });
    expect(live.client_secret).toMatch(/^cs_live_/);
    expect(approved.partner.clients.map((c) => c.environment).sort()).toEqual(['live', 'test']);

    const sharedTestProduct = await createProduct(t); // the installation's own test mode, not the partner's sandbox
    const liveProduct = await createProduct(t, {}, t.keys.liveSecret);
    const liveToken = api(t, await accessToken(t, live));
    const testToken = api(t, await accessToken(t, testCreds));
    const sandboxProduct = ok(await testToken.GET('/v1/products', { params: { query: { limit: 1 } } })).data[0]!; // the demo store the sandbox was seeded with
    const product = (client: TesseraClient, id: string) => client.GET('/v1/products/{id}', byId(id));
    ok(await product(liveToken, liveProduct.id), 200);
    problem(await product(liveToken, sandboxProduct.id), 404);
    ok(await product(testToken, sandboxProduct.id), 200);
    problem(await product(testToken, liveProduct.id), 404);
    problem(await product(testToken, sharedTestProduct.id), 404);
  });

  it('operators list and read partners; a partner reads only itself', async () => {
    const { partner, credentials } = await signup(t, { name: 'Listed Co' });
    const list = ok(await operator.GET('/v1/partners', { params: { query: { limit: 100 } } }), 200);
    expect(list.data.map((p) => p.id)).toContain(partner.id);
    const one = ok(await operator.GET('/v1/partners/{id}', byId(partner.id)));
    expect(one).toMatchObject({ id: partner.id, name: 'Listed Co' });
    problem(await operator.GET('/v1/partners/{id}', byId('ptr_nope')), 404);
    problem(await testKey.GET('/v1/partners'), 403); // a test key is not an operator here

    const asPartner = api(t, await accessToken(t, credentials));
    problem(await asPartner.GET('/v1/partners'), 403);
    problem(await asPartner.GET('/v1/partners/{id}', byId(partner.id)), 403);
    expect(ok(await asPartner.GET('/v1/partner')).id).toBe(partner.id);
    expect((await testKey.GET('/v1/partner')).error?.code).toBe('not_a_partner');
  });
});

describe('seller partners', () => {
  it('get a pending sandbox seller, and their tokens are confined to it', async () => {
    const { partner, credentials } = await signup(t, { kind: 'seller', name: 'Nordic Goods', email: 'ops@nordic.example', scopes: ['catalog:write', 'seller_orders:write'] });
    expect(partner.test_seller_id).toMatch(/^sel_/);
    expect(credentials.seller_id).toBe(partner.test_seller_id);
    const seller = api(t, await accessToken(t, credentials));
    const me = ok(await seller.GET('/v1/seller'), 200);
    expect(me).toMatchObject({ id: partner.test_seller_id, status: 'pending', partner_id: partner.id });
    // routes without seller support refuse seller tokens, whatever their scopes
    problem(await seller.GET('/v1/sellers'), 403);
    problem(await seller.GET('/v1/sellers/{id}', byId(partner.test_seller_id!)), 403);
    ok(await seller.GET('/v1/seller_orders'), 200);

    // approval creates the live seller, with live credentials bound to it
    const approved = ok(await approve(operator, partner.id, ['catalog:write']));
    expect(approved.partner.live_seller_id).toMatch(/^sel_/);
    expect(approved.credentials.seller_id).toBe(approved.partner.live_seller_id);
    const liveMe = ok(await api(t, await accessToken(t, approved.credentials)).GET('/v1/seller'));
    expect(liveMe).toMatchObject({ id: approved.partner.live_seller_id, partner_id: partner.id });
  });

  it('concurrent approvals of a seller partner make one live seller and one set of live credentials', async () => {
    const { partner } = await signup(t, { kind: 'seller', name: 'Twice Goods', email: 'ops@twice.example', scopes: ['catalog:write'] });
    const answers = await Promise.all([1, 2, 3].map(() => approve(operator, partner.id, ['catalog:write'])));
    expect(answers.map((a) => a.response.status).sort()).toEqual([200, 409, 409]);
    const sellers = await t.db.forEnv('live').query<{ id: string }>('SELECT id FROM sellers WHERE partner_id = $1', [partner.id]);
    expect(sellers.rows).toHaveLength(1);
    const winner = ok(answers.find((a) => a.response.status === 200)!);
    expect(winner.partner.live_seller_id).toBe(sellers.rows[0]!.id);
    expect(winner.partner.clients.filter((c) => c.environment === 'live')).toHaveLength(1);
  });

  it('a suspended seller\'s client cannot get tokens and its tokens stop (unauthorized_client, 401)', async () => {
    const { partner, credentials } = await signup(t, { kind: 'seller', scopes: ['catalog:write'] });
    const token = await accessToken(t, credentials);
    // the operator acts in the partner's sandbox with its test key and Tessera-Partner
    const inSandbox = { ...byId(partner.test_seller_id!), headers: { 'tessera-partner': partner.id } };
    ok(await testKey.POST('/v1/sellers/{id}/activate', inSandbox), 200);
    ok(await testKey.POST('/v1/sellers/{id}/suspend', inSandbox), 200);
    problem(await api(t, token).GET('/v1/seller'), 401);
    const refused = await tokenRequest(t, { grant_type: 'client_credentials' }, { authorization: basic(credentials.client_id, credentials.client_secret) });
    expect([refused.statusCode, refused.json().error]).toEqual([400, 'unauthorized_client']);
  });
});
