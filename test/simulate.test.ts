import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tag } from './helpers/commerce.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const WAIT_MS = 300;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { TESSERA_SIMULATE_TIMEOUT_MS: String(WAIT_MS) } });
});
afterAll(async () => t?.close());

function productBody(title: string) {
  return { title, status: 'published', variants: [{ sku: `SIM-${tag()}`, prices: [{ currency: 'USD', amount: 1000 }] }] };
}

/** How many products of the key's environment have this title. */
async function countTitled(title: string, key = t.keys.secret): Promise<number> {
  const res = await t.call('GET', '/v1/products?limit=100', { key });
  expect(res.statusCode).toBe(200);
  return res.json<{ data: { title: string }[] }>().data.filter((p) => p.title === title).length;
}

describe('Tessera-Simulate in test mode', () => {
  it('503: a problem with Retry-After, and the call is not executed (nothing written, the idempotency key still free)', async () => {
    const title = `Simulated ${tag()}`;
    const key = `sim-${tag()}`;
    const res = await t.call('POST', '/v1/products', { body: productBody(title), headers: { 'tessera-simulate': '503', 'idempotency-key': key } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({ status: 503, code: 'service_unavailable', request_id: res.headers['x-request-id'] });
    expect(await countTitled(title)).toBe(0);

    // the partner's retry (same Idempotency-Key, no simulation) runs for real, once
    const retry = await t.call('POST', '/v1/products', { body: productBody(title), headers: { 'idempotency-key': key } });
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await countTitled(title)).toBe(1);
  });

  it('timeout: holds the request for the configured wait, then answers 504 without executing it', async () => {
    const title = `Timeout ${tag()}`;
    const started = Date.now();
    const res = await t.call('POST', '/v1/products', { body: productBody(title), headers: { 'tessera-simulate': 'timeout' } });
    const waited = Date.now() - started;
    expect(res.statusCode).toBe(504);
    expect(res.json()).toMatchObject({ status: 504, code: 'gateway_timeout' });
    expect(waited).toBeGreaterThanOrEqual(WAIT_MS - 5);
    expect(waited).toBeLessThan(WAIT_MS + 5_000);
    expect(await countTitled(title)).toBe(0);
  });

  it('429 and 500 look like a rate limit and an internal error', async () => {
    const limited = await t.call('GET', '/v1/products', { headers: { 'tessera-simulate': '429' } });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers).toMatchObject({ 'retry-after': '1', ratelimit: '"default";r=0;t=1' });
    expect(limited.json()).toMatchObject({ code: 'rate_limited' });

    const failed = await t.call('GET', '/v1/products', { key: t.keys.publishable, headers: { 'tessera-simulate': '500' } });
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toMatchObject({ code: 'internal_error' });
  });

  it('keeps the other headers of the answer: request id, version', async () => {
    const res = await t.call('GET', '/v1/products', { headers: { 'tessera-simulate': '503', 'x-request-id': 'sim-req-1', 'tessera-version': '2026-11-28' } });
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'x-request-id': 'sim-req-1', 'tessera-version': '2026-11-28' });
    const normal = await t.call('GET', '/v1/products', { headers: { 'x-request-id': 'sim-req-2' } });
    expect(normal.statusCode).toBe(200);
    expect(normal.headers['retry-after']).toBeUndefined();
  });

  it('refuses an unknown value with a 400 naming the magic values', async () => {
    const res = await t.call('GET', '/v1/products', { headers: { 'tessera-simulate': '418' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'malformed_request', errors: [{ parameter: 'Tessera-Simulate' }] });
    expect(res.json<{ detail: string }>().detail).toContain('429, 500, 503, timeout');
  });
});

describe('Tessera-Simulate outside test mode', () => {
  it('a live key with the header gets a 400 and the call does not run', async () => {
    const title = `Live ${tag()}`;
    const res = await t.call('POST', '/v1/products', { key: t.keys.liveSecret, body: productBody(title), headers: { 'tessera-simulate': '503' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'simulate_not_allowed', errors: [{ parameter: 'Tessera-Simulate' }] });
    expect(await countTitled(title, t.keys.liveSecret)).toBe(0);
  });

  it('a call without a key (public route) cannot simulate either', async () => {
    const res = await t.call('GET', '/versions', { key: null, headers: { 'tessera-simulate': 'timeout' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'simulate_not_allowed' });
  });
});
