#!/usr/bin/env node
/* global Buffer, URL, console, process */ // Node globals (the lint config declares none for plain JS)
// Guest checkout benchmark: N concurrent workers each run the full storefront flow over HTTP
// (create cart → add item → address and e-mail → shipping → checkout with tok_visa) against a
// freshly started Tessera, on the embedded PostgreSQL and (with --pg-url) on a PostgreSQL server.
// Prints orders/s and p50/p95/p99 per step and per flow. See bench/README.md.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Server, cpuMeter, embeddedPidFile, freePort, sleep } from './proc.js';
import { fmtInt, fmtNum, median, table } from './report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const STEPS = ['create_cart', 'add_item', 'address_email', 'shipping', 'checkout'];

const USAGE = `Usage: node bench/checkout.js [options]    (or: npm run bench:checkout -- [options])

  --workers LIST     concurrent workers, comma-separated (default 1,10,32)
  --duration S       measured seconds per worker count (default 15)
  --warmup S         unmeasured seconds before each measurement (default 3)
  --repeat N         repeat each measurement N times; medians are reported (default 1)
  --skus N           distinct SKUs the flows buy, stocked with plenty of units (default 50)
  --products N       products seeded on first start (default 1000)
  --pg-url URL       also run on this PostgreSQL server (or env BENCH_DATABASE_URL); a fresh
                     database is created there and dropped afterwards
  --skip-embedded    do not run on the embedded PostgreSQL
  --log-level L      Tessera's LOG_LEVEL (default info, as in production)
  --cpu-prof         write a V8 CPU profile of the Tessera process under bench/results/
  --out FILE         results JSON (default bench/results/checkout-<time>.json)
  -h, --help`;

function options() {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '1,10,32' },
      duration: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '3' },
      repeat: { type: 'string', default: '1' },
      skus: { type: 'string', default: '50' },
      products: { type: 'string', default: '1000' },
      'pg-url': { type: 'string' },
      'skip-embedded': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      'cpu-prof': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const pgUrl = values['pg-url'] ?? process.env.BENCH_DATABASE_URL ?? null;
  const backends = [...(values['skip-embedded'] ? [] : ['embedded']), ...(pgUrl ? ['pg'] : [])];
  if (!backends.length) throw new Error('nothing to run: --skip-embedded without --pg-url');
  return {
    workers: values.workers.split(',').map(Number),
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    repeat: Number(values.repeat),
    skus: Number(values.skus),
    products: Number(values.products),
    pgUrl,
    backends,
    logLevel: values['log-level'],
    cpuProf: values['cpu-prof'],
    out: values.out ?? path.join('bench', 'results', `checkout-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

/**
 * A JSON client with one bearer key over node:http with a keep-alive agent: the client shares the
 * machine's two cores with Tessera and PostgreSQL, and fetch (undici) costs it several times more CPU.
 */
function client(base, key) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const { hostname, port } = new URL(base);
  return (method, url, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        { hostname, port, method, path: url, agent, headers: { authorization: `Bearer ${key}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers } },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            try {
              resolve({ status: res.statusCode, json: text ? JSON.parse(text) : null });
            } catch (err) {
              reject(err);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
}

async function must(promise, status, what) {
  const res = await promise;
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

/** A publishable key, and `n` demo SKUs with a million units each in the demo warehouse. */
async function prepare(admin, n) {
  const pk = await must(admin('POST', '/v1/api_keys', { type: 'publishable', name: 'bench' }), 201, 'publishable key');
  const skus = [];
  let after = '';
  while (skus.length < n) {
    const page = await must(admin('GET', `/v1/products?limit=100&status=published${after}`), 200, 'products');
    for (const p of page.data) for (const v of p.variants) if (skus.length < n && v.prices.some((x) => x.currency === 'USD')) skus.push(v.sku);
    if (!page.has_more) break;
    after = `&starting_after=${page.next_cursor}`;
  }
  for (const sku of skus) await must(admin('PUT', `/v1/stock_locations/sloc_demo_main/levels/${sku}`, { on_hand: 1_000_000 }), 200, `stock ${sku}`);
  return { pk: pk.secret, skus };
}

// ---------------------------------------------------------------------------------------------
// Load

const ADDRESS = { name: 'Bench Shopper', line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' };

/** One guest flow; returns per-step milliseconds, or throws with the failing step. */
async function flow(api, sku) {
  const times = {};
  const step = async (name, fn) => {
    const t0 = process.hrtime.bigint();
    const res = await fn();
    times[name] = Number(process.hrtime.bigint() - t0) / 1e6;
    const ok = name === 'create_cart' || name === 'checkout' ? 201 : 200;
    if (res.status !== ok) throw Object.assign(new Error(`${name}: ${res.status} ${res.json?.code ?? ''}`), { step: name, status: res.status, code: res.json?.code });
    return res.json;
  };
  const cart = await step('create_cart', () => api('POST', '/v1/carts', { region_id: 'reg_demo_us' }));
  await step('add_item', () => api('POST', `/v1/carts/${cart.id}/items`, { sku, quantity: 1 }));
  await step('address_email', () => api('PATCH', `/v1/carts/${cart.id}`, { email: 'bench@example.com', shipping_address: ADDRESS }));
  await step('shipping', () => api('POST', `/v1/carts/${cart.id}/shipping`, { option_id: 'shipopt_demo_us_standard' }));
  await step('checkout', () => api('POST', `/v1/carts/${cart.id}/checkout`, { payment: { token: 'tok_visa' } }, { 'idempotency-key': crypto.randomUUID() }));
  times.flow = STEPS.reduce((sum, s) => sum + times[s], 0);
  return times;
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Pids of every PostgreSQL process on this machine (embedded or server): their CPU is the database's. */
function postgresPids() {
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
    } catch {
      // exited
    }
  }
  return pids;
}

/** `workers` loops of flows for `seconds`; returns orders/s, latency percentiles and CPU use per process group. */
async function measure(api, skus, workers, seconds, serverPid) {
  const meter = cpuMeter({ tessera: [serverPid], postgres: postgresPids() });
  const samples = Object.fromEntries([...STEPS, 'flow'].map((s) => [s, []]));
  const errors = {};
  let orders = 0;
  const deadline = Date.now() + seconds * 1000;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = w; Date.now() < deadline; i += workers) {
        try {
          const times = await flow(api, skus[i % skus.length]);
          for (const [k, v] of Object.entries(times)) samples[k].push(v);
          orders++;
        } catch (err) {
          const key = err.step ? `${err.step} ${err.status} ${err.code ?? ''}`.trim() : err.message;
          errors[key] = (errors[key] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = meter.stop();
  const latency = {};
  for (const [k, v] of Object.entries(samples)) {
    const sorted = v.sort((a, b) => a - b);
    latency[k] = { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
  }
  return { workers, orders, seconds: elapsed, orders_per_s: orders / elapsed, latency, errors, cpu_percent: cpu };
}

// ---------------------------------------------------------------------------------------------
// Servers

async function withClient(url, fn) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function startTessera(opts, kind, servers, cleanups) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tessera-checkout-${kind}-`));
  // Run as root, the embedded PostgreSQL runs as the `postgres` user, which must reach the data dir.
  fs.chmodSync(dir, 0o755);
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const key = `sk_test_bench_${crypto.randomBytes(12).toString('hex')}`;
  const port = await freePort();
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('OTEL_') || k === 'REDIS_URL' || k === 'DATABASE_URL') delete env[k];
  Object.assign(env, {
    PORT: String(port),
    HOST,
    METRICS_PORT: String(await freePort()),
    TESSERA_DATA_DIR: path.join(dir, 'data'),
    TESSERA_ADMIN_KEY: key,
    TESSERA_SEED_PRODUCTS: String(opts.products),
    TESSERA_RATE_LIMIT: '1000000000/1',
    LOG_LEVEL: opts.logLevel,
  });
  let version = null;
  if (kind === 'pg') {
    const name = `tessera_bench_${crypto.randomBytes(5).toString('hex')}`;
    version = await withClient(opts.pgUrl, async (c) => {
      await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
      return (await c.query('SHOW server_version')).rows[0].server_version;
    });
    cleanups.push(() => withClient(opts.pgUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`)));
    const url = new URL(opts.pgUrl);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
  }
  // `serve` is the default command; leaving it out keeps this child clear of a `pkill -f "… serve"`
  const prof = opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench', 'results')}`, `--cpu-prof-name=checkout-${kind}-${Date.now()}.cpuprofile`] : [];
  const server = new Server(`tessera (${kind})`, { args: [...prof, path.join('dist', 'main.js')], env, cwd: ROOT, logFile: path.join(dir, 'tessera.log'), registry: servers });
  if (kind === 'embedded') server.postmasterPidFiles.push(embeddedPidFile(env.TESSERA_DATA_DIR));
  const base = `http://${HOST}:${port}`;
  await server.waitReady([`${base}/healthz`, `${base}/readyz`], 900_000);
  return { server, base, key, version };
}

async function main() {
  const opts = options();
  const servers = new Set();
  const cleanups = [];
  const stopAll = () => {
    for (const s of servers) s.killNow();
  };
  process.once('SIGINT', () => {
    stopAll();
    process.exit(130);
  });
  const results = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, options: { ...opts, pgUrl: opts.pgUrl ? '(set)' : null }, runs: [] };
  try {
    for (const kind of opts.backends) {
      console.log(`\n== ${kind === 'pg' ? 'PostgreSQL server' : 'embedded PostgreSQL'} ==`);
      const { server, base, key, version } = await startTessera(opts, kind, servers, cleanups);
      try {
        const prepared = await prepare(client(base, key), opts.skus);
        const api = client(base, prepared.pk);
        for (const workers of opts.workers) {
          await measure(api, prepared.skus, workers, opts.warmup, server.pid);
          const reps = [];
          for (let r = 0; r < opts.repeat; r++) reps.push(await measure(api, prepared.skus, workers, opts.duration, server.pid));
          const run = { backend: kind, postgres_version: version, workers, repeats: reps, orders_per_s: median(reps.map((x) => x.orders_per_s)) };
          results.runs.push(run);
          report(run);
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    stopAll();
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((err) => console.error(`cleanup: ${err.message}`));
  }
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(results, null, 2));
  console.log(`\nresults: ${opts.out}`);
}

function report(run) {
  const m = (f) => median(run.repeats.map(f));
  console.log(`\n${run.workers} worker(s): ${fmtNum(run.orders_per_s, 1)} orders/s (median of ${run.repeats.length}), ${fmtInt(m((r) => r.orders))} orders per run`);
  const rows = [...STEPS, 'flow'].map((s) => [s, ...['p50', 'p95', 'p99'].map((p) => fmtNum(m((r) => r.latency[s][p]), 1))]);
  console.log(table(['step', 'p50 ms', 'p95 ms', 'p99 ms'], rows, [1, 2, 3]));
  const cpu = (k) => fmtInt(m((r) => r.cpu_percent[k]));
  console.log(`  CPU (% of one core; 200 = both): tessera ${cpu('tessera')}, postgres ${cpu('postgres')}, bench client ${cpu('bench')}`);
  const errors = run.repeats.flatMap((r) => Object.entries(r.errors));
  if (errors.length) console.log(`  errors: ${errors.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
}

main().then(
  () => sleep(0),
  (err) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
