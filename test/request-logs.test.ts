import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { idempotencyHeader, type operations } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { productBody } from './helpers/fixtures.js';
import { accessToken, signup } from './helpers/partners.js';
import { api, ok, problem } from './helpers/sdk.js';

type NewProduct = operations['postV1Products']['requestBody']['content']['application/json'];
type LogQuery = NonNullable<operations['getV1RequestLogs']['parameters']['query']>;

// The request log (#6): a partner sees its own last 1,000 requests, newest first, never another's;
// operators may filter by partner. Rows are written just after the response, in batches.
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** Writes the queued log rows (the app does so within a fraction of a second). */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  await t.modules.billing.requestLogs.flush();
}

async function logs(key: string, query: LogQuery = {}) {
  return ok(await api(t, key).GET('/v1/request_logs', { params: { query } }), 200);
}

/** The shared fixture product (a valid product body), typed for the SDK. */
const newProduct = () => productBody() as NewProduct;
const requestId = (id: string) => ({ headers: { 'x-request-id': id } });

describe('GET /v1/request_logs', () => {
  it("lists the partner's own requests, newest first, with route, status, latency, request id and idempotency key", async () => {
    const a = await signup(t, { scopes: ['catalog:write'] });
    const b = await signup(t, { scopes: ['catalog:read'] });
    const tokenA = await accessToken(t, a.credentials);
    const tokenB = await accessToken(t, b.credentials);
    const asA = api(t, tokenA);
    const key = crypto.randomUUID();
    const product = ok(await asA.POST('/v1/products', { body: newProduct(), headers: { ...idempotencyHeader(key), 'x-request-id': 'req-log-create' } }), 201);
    ok(await asA.GET('/v1/products/{id}', { params: { path: { id: product.id } }, ...requestId('req-log-get') }), 200);
    problem(await asA.GET('/v1/products/{id}', { params: { path: { id: 'prod_missing' } } }), 404);
    ok(await api(t, tokenB).GET('/v1/products', requestId('req-log-b')), 200);
    ok(await api(t).GET('/v1/products', requestId('req-log-operator')), 200);
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
    problem(await asA.GET('/v1/request_logs', { params: { query: { partner_id: b.partner.id } } }), 404);
    const ofB = (await logs(tokenB)).data;
    expect(ofB.every((l) => l.partner_id === b.partner.id)).toBe(true);
    expect(ofB.map((l) => l.id)).toContain('req-log-b');

    // operators (live mode, billing:read) filter by partner; a test-mode key is no operator
    const seen = (await logs(t.keys.liveSecret, { partner_id: b.partner.id })).data;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((l) => l.partner_id === b.partner.id)).toBe(true);
    problem(await api(t).GET('/v1/request_logs'), 403);
  });

  it('keeps only the last 1,000 requests of a partner, paginated by cursor', async () => {
    const p = await signup(t, { scopes: ['catalog:read'] });
    const token = await accessToken(t, p.credentials);
    const partner = api(t, token);
    ok(await partner.GET('/v1/products', requestId('req-oldest')), 200);
    for (let i = 0; i < 101; i++) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => partner.GET('/v1/products', { params: { query: { limit: 1 } } })));
      expect(batch.every((r) => r.response.status === 200)).toBe(true);
    }
    await settle();
    const ids: string[] = [];
    let cursor: string | null = null;
    // The listing calls are logged too: hold the background write (a 200 ms timer) while paging,
    // or a slow page would see rows pruned under it; settle() below writes them.
    const hold = vi.spyOn(t.modules.billing.requestLogs, 'flush').mockResolvedValue();
    try {
      do {
        const page = await logs(token, { limit: 100, ...(cursor ? { starting_after: cursor } : {}) });
        ids.push(...page.data.map((l) => l.id));
        cursor = page.next_cursor;
      } while (cursor);
    } finally {
      hold.mockRestore();
    }
    await settle(); // the listing calls themselves are logged too, and prune the oldest
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    expect(ids).not.toContain('req-oldest');
    const count = await t.db.forEnv('live').query<{ n: string }>('SELECT count(*) AS n FROM request_logs WHERE partner_id = $1', [p.partner.id]);
    expect(Number(count.rows[0]!.n)).toBe(1000);
  });
});
