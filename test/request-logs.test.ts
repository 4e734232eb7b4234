import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { productBody } from './helpers/fixtures.js';
import { accessToken, signup } from './helpers/partners.js';

// The request log (#6): a partner sees its own last 1,000 requests, newest first, never another's;
// operators may filter by partner. Rows are written just after the response, in batches.
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

interface Log { id: string; object: string; partner_id: string; environment: string; client_id: string; method: string; route: string; status: number; latency_ms: number; idempotency_key: string | null; created_at: string }

/** Writes the queued log rows (the app does so within a fraction of a second). */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  await t.modules.billing.requestLogs.flush();
}

async function logs(key: string, query = ''): Promise<{ data: Log[]; has_more: boolean; next_cursor: string | null }> {
  const res = await t.call('GET', `/v1/request_logs${query}`, { key });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('GET /v1/request_logs', () => {
  it("lists the partner's own requests, newest first, with route, status, latency, request id and idempotency key", async () => {
    const a = await signup(t, { scopes: ['catalog:write'] });
    const b = await signup(t, { scopes: ['catalog:read'] });
    const tokenA = await accessToken(t, a.credentials);
    const tokenB = await accessToken(t, b.credentials);
    const key = crypto.randomUUID();
    const created = await t.call('POST', '/v1/products', { key: tokenA, body: productBody(), headers: { 'idempotency-key': key, 'x-request-id': 'req-log-create' } });
    expect(created.statusCode, created.body).toBe(201);
    const product = created.json<{ id: string }>();
    expect((await t.call('GET', `/v1/products/${product.id}`, { key: tokenA, headers: { 'x-request-id': 'req-log-get' } })).statusCode).toBe(200);
    expect((await t.call('GET', '/v1/products/prod_missing', { key: tokenA })).statusCode).toBe(404);
    expect((await t.call('GET', '/v1/products', { key: tokenB, headers: { 'x-request-id': 'req-log-b' } })).statusCode).toBe(200);
    expect((await t.call('GET', '/v1/products', { key: t.keys.secret, headers: { 'x-request-id': 'req-log-operator' } })).statusCode).toBe(200);
    await settle();

    const own = (await logs(tokenA)).data;
    expect(own.map((l) => [l.method, l.route, l.status])).toEqual([
      ['GET', '/v1/products/:id', 404],
      ['GET', '/v1/products/:id', 200],
      ['POST', '/v1/products', 201],
    ]);
    expect(own[1]).toMatchObject({ id: 'req-log-get', object: 'request_log', partner_id: a.partner.id, environment: 'test', client_id: a.credentials.client_id, idempotency_key: null });
    expect(own[2]).toMatchObject({ id: 'req-log-create', idempotency_key: key });
    expect(own[2]!.latency_ms).toBeGreaterThan(0);
    expect(Date.parse(own[2]!.created_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(own.map((l) => l.id)).not.toContain('req-log-b');
    expect(own.map((l) => l.id)).not.toContain('req-log-operator'); // an API key is no partner: not logged

    // a partner never sees another's: not by filter either
    expect((await t.call('GET', `/v1/request_logs?partner_id=${b.partner.id}`, { key: tokenA })).statusCode).toBe(404);
    const ofB = (await logs(tokenB)).data;
    expect(ofB.every((l) => l.partner_id === b.partner.id)).toBe(true);
    expect(ofB.map((l) => l.id)).toContain('req-log-b');

    // operators (live mode, billing:read) filter by partner; a test-mode key is no operator
    const seen = (await logs(t.keys.liveSecret, `?partner_id=${b.partner.id}`)).data;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((l) => l.partner_id === b.partner.id)).toBe(true);
    expect((await t.call('GET', '/v1/request_logs')).statusCode).toBe(403);
  });

  it('keeps only the last 1,000 requests of a partner, paginated by cursor', async () => {
    const p = await signup(t, { scopes: ['catalog:read'] });
    const token = await accessToken(t, p.credentials);
    const first = await t.call('GET', '/v1/products', { key: token, headers: { 'x-request-id': 'req-oldest' } });
    expect(first.statusCode).toBe(200);
    for (let i = 0; i < 101; i++) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => t.call('GET', '/v1/products?limit=1', { key: token })));
      expect(batch.every((r) => r.statusCode === 200)).toBe(true);
    }
    await settle();
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await logs(token, `?limit=100${cursor ? `&starting_after=${cursor}` : ''}`);
      ids.push(...page.data.map((l) => l.id));
      cursor = page.next_cursor;
    } while (cursor);
    await settle(); // the listing calls themselves are logged too, and prune the oldest
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    expect(ids).not.toContain('req-oldest');
    const count = await t.db.forEnv('live').query<{ n: string }>('SELECT count(*) AS n FROM request_logs WHERE partner_id = $1', [p.partner.id]);
    expect(Number(count.rows[0]!.n)).toBe(1000);
  });
});
