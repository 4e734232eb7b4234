import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './helpers/app.js';
import { startReceiver } from './helpers/receiver.js';

/**
 * One `tessera serve` and two `tessera worker` processes (the built CLI) on one database: every
 * event reaches every subscribed endpoint, even when a worker is killed mid-run.
 */
const MAIN = path.resolve('dist/main.js');
const ADMIN = 'sk_test_multiprocess_0000000000000';
const children: ChildProcess[] = [];
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let receiverA: Awaited<ReturnType<typeof startReceiver>>;
let receiverB: Awaited<ReturnType<typeof startReceiver>>;
let api: string;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function start(command: 'serve' | 'worker', extra: Record<string, string> = {}): { child: ChildProcess; output: () => string } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    TESSERA_ADMIN_KEY: ADMIN,
    TESSERA_SEED_PRODUCTS: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    TESSERA_EVENTS_POLL_MS: '50',
    TESSERA_WEBHOOK_POLL_MS: '50',
    // short leases, so the killed worker's deliveries come back within the test
    TESSERA_WEBHOOK_TIMEOUT_MS: '1000',
    TESSERA_WEBHOOK_BATCH_SIZE: '20',
    TESSERA_WEBHOOK_CONCURRENCY: '20',
    ...extra,
  };
  const child = spawn(process.execPath, [MAIN, command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const call = (method: string, url: string, body?: unknown) =>
  fetch(`${api}${url}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });

beforeAll(async () => {
  database = await createTestDatabase();
  receiverA = await startReceiver();
  receiverB = await startReceiver();
  const port = await freePort();
  api = `http://127.0.0.1:${port}`;
  const serve = start('serve', { PORT: String(port) });
  await until('serve to answer', async () => ((await fetch(`${api}/readyz`)).status === 200 ? true : undefined), 60_000).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${serve.output()}`);
  });
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await receiverA?.close();
  await receiverB?.close();
  await database?.drop();
});

describe('several processes', () => {
  it('deliver every event to every subscribed endpoint, and a killed worker loses nothing', async () => {
    for (const [r, events] of [[receiverA, ['product.*']], [receiverB, ['*']]] as const) {
      const res = await call('POST', '/v1/webhook_endpoints', { url: r.url, enabled_events: events });
      expect(res.status).toBe(201);
    }
    const doomed = start('worker');
    start('worker');
    // slow answers keep deliveries in flight, so the kill below interrupts some mid-request
    receiverA.answer(() => ({ status: 200, delayMs: 150 }));
    receiverB.answer(() => ({ status: 200, delayMs: 150 }));

    const made: string[] = [];
    const create = async (i: number) => {
      const res = await call('POST', '/v1/products', { title: `Multi ${i}`, variants: [{ sku: `MULTI-${i}`, prices: [{ currency: 'USD', amount: 100 + i }] }] });
      expect(res.status).toBe(201);
      made.push(((await res.json()) as { id: string }).id);
    };
    for (let i = 0; i < 40; i++) await create(i);
    // kill one worker mid-run: whatever it had claimed comes back to the others
    doomed.child.kill('SIGKILL');
    for (let i = 40; i < 80; i++) await create(i);

    const events = await until(
      'the events of 80 products',
      async () => {
        const res = await call('GET', '/v1/events?type=product.created&limit=100');
        const list = ((await res.json()) as { data: { id: string }[] }).data;
        return list.length === 80 ? list.map((e) => e.id) : undefined;
      },
      30_000,
    );
    const want = new Set(events);
    const seen = (r: typeof receiverA) => new Set(r.received.filter((x) => String(x.body).includes('"product.created"')).map((x) => String(x.headers['webhook-id'])));
    await until('every delivery', async () => ([...want].every((id) => seen(receiverA).has(id) && seen(receiverB).has(id)) ? true : undefined), 45_000);
    expect(seen(receiverA)).toEqual(want);
    expect(seen(receiverB)).toEqual(want);
    expect(made).toHaveLength(80);
  });
});
