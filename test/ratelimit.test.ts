import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startTestApp, type TestApp } from './helpers/app.js';

const redisUrl = process.env.TESSERA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    s.once('connect', () => (s.end(), resolve(true)));
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
  });
}
const redisUp = await reachable(redisUrl);
if (!redisUp && process.env.TESSERA_REQUIRE_REDIS) throw new Error(`Redis is required for this run but ${redisUrl} is unreachable`);

const apps: TestApp[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
});

describe('rate limits per credential', () => {
  it('reports draft-10 RateLimit headers and refuses with a 429 problem and Retry-After', async () => {
    const t = await startTestApp({ env: { TESSERA_RATE_LIMIT: '3/60' } });
    apps.push(t);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await t.call('GET', '/v1/products'));
    expect(statuses.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
    expect(statuses[0]!.headers['ratelimit-policy']).toBe('"default";q=3;w=60');
    expect(statuses[0]!.headers.ratelimit).toMatch(/^"default";r=2;t=\d+$/);
    expect(statuses[2]!.headers.ratelimit).toMatch(/^"default";r=0;t=\d+$/);
    const refused = statuses[3]!;
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    expect(refused.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['x-ratelimit-limit']).toBeUndefined(); // not the obsolete headers
    // Another credential has its own budget; health checks are never limited.
    expect((await t.call('GET', '/v1/products', { key: t.keys.publishable })).statusCode).toBe(200);
    expect((await t.call('GET', '/healthz')).statusCode).toBe(200);
  });

  it.skipIf(!redisUp)('with REDIS_URL, processes share one budget', async () => {
    const database = await createTestDatabase();
    const env = { TESSERA_RATE_LIMIT: '4/60', REDIS_URL: redisUrl };
    const a = await startTestApp({ env, database });
    apps.push(a);
    // a second process on the same database and Redis, using the same key
    const b = await startTestApp({ env, database: { url: database.url, drop: async () => {} } });
    apps.push(b);
    const key = a.keys.secret;
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await a.call('GET', '/v1/products', { key })).statusCode);
    for (let i = 0; i < 3; i++) results.push((await b.call('GET', '/v1/products', { key })).statusCode);
    expect(results).toEqual([200, 200, 200, 200, 429, 429]);
  });
});
