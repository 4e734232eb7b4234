import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { accessToken, signup } from './helpers/partners.js';
import { api, ok, problem } from './helpers/sdk.js';

/** `POST /v1/oauth_clients`: a partner's additional clients, never wider than the partner may be. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('a partner creates OAuth clients', () => {
  it('in test mode, narrower than requested: the new secret (shown once) gets tokens with only those scopes', async () => {
    const { partner, credentials } = await signup(t, { scopes: ['catalog:read', 'carts:write'] });
    const me = api(t, await accessToken(t, credentials));
    const made = ok(await me.POST('/v1/oauth_clients', { body: { scopes: ['catalog:read'] } }), 201);
    expect(made.client).toMatchObject({ partner_id: partner.id, environment: 'test', scopes: ['catalog:read'], seller_id: null, revoked_at: null });
    expect(made.client_secret).toMatch(/^cs_test_/);
    const narrow = api(t, await accessToken(t, { client_id: made.client.id, client_secret: made.client_secret }));
    expect((await narrow.GET('/v1/products', { params: { query: { limit: 1 } } })).response.status).toBe(200);
    problem(await narrow.POST('/v1/carts', { body: { region_id: 'reg_demo_us' } }), 403);
    // it works in the partner's own sandbox, like the first client
    expect(ok(await narrow.GET('/v1/products', { params: { query: { limit: 1 } } })).data).toHaveLength(1);
    expect(ok(await me.GET('/v1/partner')).clients.map((c) => c.id)).toContain(made.client.id);
    // default scopes: all the partner requested
    expect(ok(await me.POST('/v1/oauth_clients', { body: {} }), 201).client.scopes.sort()).toEqual(['carts:write', 'catalog:read']);
  });

  it('refuses wider scopes (422), live mode before approval (409), and operators (403); writes nothing then', async () => {
    const { partner, credentials } = await signup(t, { scopes: ['catalog:read'] });
    const me = api(t, await accessToken(t, credentials));
    expect(problem(await me.POST('/v1/oauth_clients', { body: { scopes: ['orders:read'] } }), 422).code).toBe('scopes_wider_than_requested');
    expect(problem(await me.POST('/v1/oauth_clients', { body: { environment: 'live' } }), 409).code).toBe('partner_not_approved');
    expect(problem(await api(t, t.keys.liveSecret).POST('/v1/oauth_clients', { body: {} }), 403).code).toBe('not_a_partner');
    expect(ok(await me.GET('/v1/partner')).clients).toHaveLength(1);

    // approved with fewer scopes than requested: live clients get at most the granted ones
    ok(await api(t, t.keys.liveSecret).POST('/v1/partners/{id}/approve', { params: { path: { id: partner.id } }, body: { scopes: ['catalog:read'] } }));
    const live = ok(await me.POST('/v1/oauth_clients', { body: { environment: 'live' } }), 201);
    expect(live.client).toMatchObject({ environment: 'live', scopes: ['catalog:read'] });
    expect(live.client_secret).toMatch(/^cs_live_/);
  });

  it("a seller partner's client acts for its seller; at most 10 active per mode, even when created at once", async () => {
    const { partner, credentials } = await signup(t, { kind: 'seller', scopes: ['catalog:write'] });
    const me = api(t, await accessToken(t, credentials));
    const made = ok(await me.POST('/v1/oauth_clients', { body: {} }), 201);
    expect(made.client.seller_id).toBe(partner.test_seller_id);
    const asSeller = api(t, await accessToken(t, { client_id: made.client.id, client_secret: made.client_secret }));
    expect(ok(await asSeller.GET('/v1/seller')).id).toBe(partner.test_seller_id);

    const answers = await Promise.all(Array.from({ length: 12 }, () => me.POST('/v1/oauth_clients', { body: {} })));
    expect(answers.filter((a) => a.response.status === 201)).toHaveLength(8); // 2 already active
    expect(answers.filter((a) => a.response.status === 409).every((a) => (a.error as { code: string }).code === 'too_many_clients')).toBe(true);
    expect(ok(await me.GET('/v1/partner')).clients.filter((c) => c.environment === 'test' && !c.revoked_at)).toHaveLength(10);
  });
});
