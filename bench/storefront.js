/* global Buffer, URL, console, process */ // Node globals (the lint config declares none for plain JS)
// What the storefront benchmarks share (bench/checkout.js, bench/webhooks.js): a JSON client over
// node:http, the guest checkout flow and its measurement, and a freshly started Tessera on the
// embedded PostgreSQL or on a fresh database of a PostgreSQL server.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Server, cpuMeter, embeddedPidFile, freePort } from './proc.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const HOST = '127.0.0.1';
export const STEPS = ['create_cart', 'add_item', 'address_email', 'shipping', 'checkout'];

// ---------------------------------------------------------------------------------------------
// HTTP

/**
 * A JSON client with one bearer key over node:http with a keep-alive agent: the client shares the
 * machine's two cores with Tessera and PostgreSQL, and fetch (undici) costs it several times more CPU.
 */
export function client(base, key) {
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

export async function must(promise, status, what) {
  const res = await promise;
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

/** A publishable key, and `n` demo SKUs with a million units each in the demo warehouse. */
export async function prepare(admin, n) {
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
export async function flow(api, sku) {
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

export function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Pids of every PostgreSQL process on this machine (embedded or server): their CPU is the database's. */
export function postgresPids() {
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

/**
 * `workers` loops of flows for `seconds`; returns orders/s, latency percentiles and CPU use per
 * process group (`otherPids`: more groups to account, `{ name: [pid, …] }`).
 */
export async function measure(api, skus, workers, seconds, serverPid, otherPids = {}) {
  const meter = cpuMeter({ tessera: [serverPid], postgres: postgresPids(), ...otherPids });
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

export async function withClient(url, fn) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Starts Tessera (`kind`: 'embedded' or 'pg') from nothing: a fresh data dir, and on 'pg' a fresh
 * database on `opts.pgUrl`, dropped by `cleanups`. `name` labels the temporary dir and the CPU
 * profile; `env` is added to Tessera's environment. Returns the server, its API and metrics base
 * URLs, the admin key, the PostgreSQL server's version (null when embedded) and the path of the
 * CPU profile written on exit (with `opts.cpuProf`, else null).
 */
export async function startTessera(opts, kind, servers, cleanups, { name = 'checkout', env: extraEnv = {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tessera-${name}-${kind}-`));
  // Run as root, the embedded PostgreSQL runs as the `postgres` user, which must reach the data dir.
  fs.chmodSync(dir, 0o755);
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const key = `sk_test_bench_${crypto.randomBytes(12).toString('hex')}`;
  const port = await freePort();
  const metricsPort = await freePort();
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('OTEL_') || k === 'REDIS_URL' || k === 'DATABASE_URL') delete env[k];
  Object.assign(env, {
    PORT: String(port),
    HOST,
    METRICS_PORT: String(metricsPort),
    TESSERA_DATA_DIR: path.join(dir, 'data'),
    TESSERA_ADMIN_KEY: key,
    TESSERA_SEED_PRODUCTS: String(opts.products),
    TESSERA_RATE_LIMIT: '1000000000/1',
    LOG_LEVEL: opts.logLevel,
    ...extraEnv,
  });
  let version = null;
  if (kind === 'pg') {
    const dbName = `tessera_bench_${crypto.randomBytes(5).toString('hex')}`;
    version = await withClient(opts.pgUrl, async (c) => {
      await c.query(`CREATE DATABASE ${c.escapeIdentifier(dbName)}`);
      return (await c.query('SHOW server_version')).rows[0].server_version;
    });
    cleanups.push(() => withClient(opts.pgUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(dbName)} WITH (FORCE)`)));
    const url = new URL(opts.pgUrl);
    url.pathname = `/${dbName}`;
    env.DATABASE_URL = url.toString();
  }
  // `serve` is the default command; leaving it out keeps this child clear of a `pkill -f "… serve"`
  const profile = opts.cpuProf ? path.join('bench', 'results', `${name}-${kind}-${Date.now()}.cpuprofile`) : null;
  const prof = profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench', 'results')}`, `--cpu-prof-name=${path.basename(profile)}`] : [];
  const server = new Server(`tessera (${kind})`, { args: [...prof, path.join('dist', 'main.js')], env, cwd: ROOT, logFile: path.join(dir, 'tessera.log'), registry: servers });
  if (kind === 'embedded') server.postmasterPidFiles.push(embeddedPidFile(env.TESSERA_DATA_DIR));
  const base = `http://${HOST}:${port}`;
  await server.waitReady([`${base}/healthz`, `${base}/readyz`], 900_000);
  return { server, base, metricsBase: `http://${HOST}:${metricsPort}`, key, version, profile };
}

/** The machine facts every result file carries. */
export function machine() {
  return { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version };
}

/**
 * Parses the options every storefront benchmark takes (--warmup, --skus, --products, --pg-url,
 * --skip-embedded, --log-level, --cpu-prof, --out, --help) plus `own`, and returns the raw values
 * with the common ones resolved: which databases to run on, and the results file (`<name>-<time>.json`).
 */
export function benchOptions(name, usage, own) {
  const { values } = parseArgs({
    options: {
      ...own,
      warmup: { type: 'string', default: '3' },
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
    console.log(usage);
    process.exit(0);
  }
  const pgUrl = values['pg-url'] ?? process.env.BENCH_DATABASE_URL ?? null;
  const backends = [...(values['skip-embedded'] ? [] : ['embedded']), ...(pgUrl ? ['pg'] : [])];
  if (!backends.length) throw new Error('nothing to run: --skip-embedded without --pg-url');
  return {
    values,
    common: {
      warmup: Number(values.warmup),
      skus: Number(values.skus),
      products: Number(values.products),
      pgUrl,
      backends,
      logLevel: values['log-level'],
      cpuProf: values['cpu-prof'],
      out: values.out ?? path.join('bench', 'results', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    },
  };
}

/**
 * The frame every storefront benchmark runs in: for each backend of `opts`, `runOne(kind, servers,
 * cleanups)` (servers to kill and cleanups to run whatever happens, Ctrl-C included), then the
 * results written to `opts.out`.
 */
export async function runBackends(opts, results, runOne) {
  const servers = new Set();
  const cleanups = [];
  const stopAll = () => {
    for (const s of servers) s.killNow();
  };
  process.once('SIGINT', () => {
    stopAll();
    process.exit(130);
  });
  try {
    for (const kind of opts.backends) {
      console.log(`\n== ${kind === 'pg' ? 'PostgreSQL server' : 'embedded PostgreSQL'} ==`);
      await runOne(kind, servers, cleanups);
    }
  } finally {
    stopAll();
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((err) => console.error(`cleanup: ${err.message}`));
  }
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(results, null, 2));
  console.log(`\nresults: ${opts.out}`);
}
