import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createKey, createProduct } from './helpers/fixtures.js';
import { accessToken, signup, signupRequest } from './helpers/partners.js';
import { startReceiver } from './helpers/receiver.js';
import type { MetricsSummary as Summary } from '../src/platform/observability/summary.js';


let t: TestApp;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  t = await startTestApp();
  receiver = await startReceiver();
  receiver.answer(() => ({ status: 500 }));
});

afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

async function summary(): Promise<Summary> {
  const res = await t.call('GET', '/v1/metrics/summary');
  expect(res.statusCode).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return res.json<Summary>();
}

const row = (s: Summary, method: string, route: string) => s.routes.find((r) => r.method === method && r.route === route);

describe('GET /v1/metrics/summary', () => {
  it("counts this instance's requests per route template, with 4xx and ordered latency quantiles", async () => {
    const product = await createProduct(t);
    for (let i = 0; i < 5; i++) expect((await t.call('GET', `/v1/products/${product.id}`)).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect((await t.call('GET', '/v1/products/prod_missing')).statusCode).toBe(404);

    const s = await summary();
    const get = row(s, 'GET', '/v1/products/:id')!;
    expect(get).toMatchObject({ requests: 7, client_errors: 2, server_errors: 0, server_error_rate: 0 });
    expect(get.client_error_rate).toBeCloseTo(2 / 7, 10);
    const { p50, p95, p99 } = get.latency_ms;
    expect(p50).toBeGreaterThan(0);
    expect(p50!).toBeLessThanOrEqual(p95!);
    expect(p95!).toBeLessThanOrEqual(p99!);
    expect(row(s, 'POST', '/v1/products')).toMatchObject({ requests: 1, client_errors: 0 });
    // the product cache: the first read missed, later reads of the same product hit
    const cache = s.caches.find((c) => c.cache === 'product')!;
    expect(cache.hits).toBeGreaterThanOrEqual(4);
    expect(cache.hit_ratio).toBeCloseTo(cache.hits / (cache.hits + cache.misses), 10);
    // a second read counts the first one
    expect(row(await summary(), 'GET', '/v1/metrics/summary')?.requests).toBeGreaterThanOrEqual(1);
  });

  it('reports the failure ratio of webhook delivery attempts', async () => {
    expect((await summary()).webhooks).toEqual({ attempts: 0, failed_attempts: 0, failure_ratio: null });
    const endpoint = (await t.call('POST', '/v1/webhook_endpoints', { body: { url: receiver.url, enabled_events: ['*'] } })).json<{ id: string }>();
    expect((await t.call('POST', `/v1/webhook_endpoints/${endpoint.id}/test`)).statusCode).toBe(202);
    await t.modules.webhooks.worker.drain();
    expect(receiver.received.length).toBeGreaterThan(0);
    const { webhooks } = await summary();
    expect(webhooks.attempts).toBe(receiver.received.length);
    expect(webhooks).toMatchObject({ failed_attempts: webhooks.attempts, failure_ratio: 1 });
  });

  it('is for operators only', async () => {
    expect((await t.call('GET', '/v1/metrics/summary', { key: null })).statusCode).toBe(401);
    const readOnly = await createKey(t, { type: 'restricted', scopes: ['catalog:read'] });
    expect((await t.call('GET', '/v1/metrics/summary', { key: readOnly })).json()).toMatchObject({ status: 403, code: 'insufficient_scope' });
    const metricsKey = await createKey(t, { type: 'restricted', scopes: ['metrics:read'] });
    expect((await t.call('GET', '/v1/metrics/summary', { key: metricsKey })).statusCode).toBe(200);
    // partners cannot ask for the scope, and a partner's token is refused
    const asked = await signupRequest(t, { name: 'Peek', email: 'peek@example.com', kind: 'integrator', scopes: ['catalog:read', 'metrics:read'] });
    expect([asked.statusCode, asked.json().code]).toEqual([422, 'invalid_scopes']);
    const partner = await signup(t, { scopes: ['catalog:read'] });
    const token = await accessToken(t, partner.credentials);
    const res = await t.call('GET', '/v1/metrics/summary', { key: token });
    expect(res.json()).toMatchObject({ status: 403, code: 'insufficient_scope' });
  });
});
