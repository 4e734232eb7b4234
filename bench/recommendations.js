#!/usr/bin/env node
/* global console, process */ // Node globals (the lint config declares none for plain JS)
// Recommendations benchmark: a freshly started Tessera with the demo catalog, shopper signals with
// planted co-purchase clusters, a model built and activated by POST /v1/recommendation_models/refresh
// and carts; then autocannon (50 connections) on a mix of GET /v1/recommendations slots, beside a
// bare Fastify route in its own process for the ratio. Targets (#7): p95 < 10 ms, ≥ 3,000 req/s.
// See bench/README.md.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Server, cpuMeter, freePort } from './proc.js';
import { fmtInt, fmtNum, fmtRatio, median, table } from './report.js';
import { HOST, ROOT, benchOptions, client, machine, must, percentile, postgresPids, runBackends, startTessera } from './storefront.js';

const USAGE = `Usage: node bench/recommendations.js [options]    (or: npm run bench:recommendations -- [options])

  --connections N    autocannon connections (default 50)
  --duration S       measured seconds per run (default 15)
  --warmup S         unmeasured seconds before each run (default 3)
  --repeat N         repeat each measurement N times; medians are reported (default 1)
  --skus N           products recommended (clusters of 10; default 200)
  --shoppers N       anonymous shoppers sending signals (default 2000)
  --products N       products seeded on first start (default 1000)
  --pg-url URL       also run on this PostgreSQL server (or env BENCH_DATABASE_URL)
  --skip-embedded    do not run on the embedded PostgreSQL
  --log-level L      Tessera's LOG_LEVEL (default info, as in production)
  --cpu-prof         write a V8 CPU profile of the Tessera process under bench/results/
  --out FILE         results JSON (default bench/results/recommendations-<time>.json)
  -h, --help`;

const CLUSTER = 10;
const CARTS = 40;
/** The request mix: slot → share of requests. */
const MIX = { product_page: 0.5, cart: 0.15, checkout: 0.05, home: 0.3 };

function options() {
  const { values, common } = benchOptions('recommendations', USAGE, {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '15' },
    repeat: { type: 'string', default: '1' },
    shoppers: { type: 'string', default: '2000' },
  });
  return { ...common, skus: common.skus === 50 ? 200 : common.skus, connections: Number(values.connections), duration: Number(values.duration), repeat: Number(values.repeat), shoppers: Number(values.shoppers) };
}

/** `n` published products with a USD price, stocked with a million units, and a publishable key. */
async function products(admin, n) {
  const pk = await must(admin('POST', '/v1/api_keys', { type: 'publishable', name: 'bench' }), 201, 'publishable key');
  const out = [];
  let after = '';
  while (out.length < n) {
    const page = await must(admin('GET', `/v1/products?limit=100&status=published${after}`), 200, 'products');
    for (const p of page.data) {
      const v = p.variants.find((x) => x.prices.some((pr) => pr.currency === 'USD'));
      if (v && out.length < n) out.push({ id: p.id, sku: v.sku });
    }
    if (!page.has_more) break;
    after = `&starting_after=${page.next_cursor}`;
  }
  for (const p of out) await must(admin('PUT', `/v1/stock_locations/sloc_demo_main/levels/${p.sku}`, { on_hand: 1_000_000 }), 200, `stock ${p.sku}`);
  return { pk: pk.secret, products: out };
}

/**
 * Signals with planted patterns: each shopper picks a cluster of CLUSTER products, views four of
 * them and buys two, over the last week. Then a model is built and activated.
 */
async function signalsAndModel(admin, items, shoppers) {
  const clusters = Math.max(1, Math.floor(items.length / CLUSTER));
  const now = Date.now();
  let batch = [];
  const flush = async () => {
    if (batch.length) await must(admin('POST', '/v1/signals', { signals: batch }), 200, 'signals');
    batch = [];
  };
  for (let s = 0; s < shoppers; s++) {
    const c = s % clusters;
    const pick = () => items[c * CLUSTER + crypto.randomInt(CLUSTER)];
    const at = (k) => new Date(now - crypto.randomInt(7 * 86_400_000) + k).toISOString();
    const anonymous_id = `anon_${s}`;
    for (let k = 0; k < 4; k++) batch.push({ id: `sig_${s}_v${k}`, type: 'view', product_id: pick().id, anonymous_id, occurred_at: at(k) });
    for (let k = 0; k < 2; k++) batch.push({ id: `sig_${s}_p${k}`, type: 'purchase', product_id: pick().id, anonymous_id, occurred_at: at(k + 10) });
    if (batch.length >= 480) await flush();
  }
  await flush();
  const t0 = Date.now();
  const model = await must(admin('POST', '/v1/recommendation_models/refresh', {}), 201, 'model refresh');
  return { version: model.version, status: model.status, build_ms: Date.now() - t0, counts: model.counts };
}

/** The request paths of the mix, drawn at random per request. */
function pathPicker(items, cartIds, shoppers) {
  const slots = Object.entries(MIX);
  return () => {
    let r = Math.random();
    let slot = slots[0][0];
    for (const [s, share] of slots) {
      if (r < share) {
        slot = s;
        break;
      }
      r -= share;
    }
    if (slot === 'product_page') return `/v1/recommendations?slot=product_page&product_id=${items[crypto.randomInt(items.length)].id}`;
    if (slot === 'home') return `/v1/recommendations?slot=home&anonymous_id=anon_${crypto.randomInt(shoppers)}`;
    return `/v1/recommendations?slot=${slot}&cart_id=${cartIds[crypto.randomInt(cartIds.length)]}`;
  };
}

/** One autocannon run; p95 is computed from every response time (autocannon reports p97.5, not p95). */
async function load(opts, url, headers, pick, groups) {
  const times = [];
  const meter = cpuMeter(groups);
  const instance = autocannon({
    url,
    connections: opts.connections,
    duration: opts.duration,
    headers,
    timeout: 10,
    requests: [{ method: 'GET', setupRequest: (req) => (pick ? { ...req, path: pick() } : req) }],
  });
  instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  const r = await instance;
  const cpu = meter.stop();
  times.sort((a, b) => a - b);
  return {
    rps: r.requests.mean,
    requests: r.requests.total,
    p50_ms: percentile(times, 50),
    p95_ms: percentile(times, 95),
    p99_ms: percentile(times, 99),
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    cpu_percent: cpu,
  };
}

async function startBare(servers, cleanups) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bare-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const server = new Server('bare fastify', { args: [path.join('bench', 'bare-server.js')], env: { ...process.env, PORT: String(port), HOST }, cwd: ROOT, logFile: path.join(dir, 'bare.log'), registry: servers });
  await server.waitReady([`http://${HOST}:${port}/`], 30_000);
  return { server, url: `http://${HOST}:${port}/` };
}

async function main() {
  const opts = options();
  const results = { machine: { ...machine(), loadavg: os.loadavg() }, options: { ...opts, pgUrl: opts.pgUrl ? '(set)' : null }, runs: [] };
  await runBackends(opts, results, async (kind, servers, cleanups) => {
    const { server, base, key, version } = await startTessera(opts, kind, servers, cleanups, { name: 'recommendations' });
    const bare = await startBare(servers, cleanups);
    try {
      const admin = client(base, key);
      const prepared = await products(admin, opts.skus);
      const model = await signalsAndModel(admin, prepared.products, opts.shoppers);
      console.log(`model v${model.version} (${model.status}) built in ${model.build_ms} ms: ${JSON.stringify(model.counts)}`);
      const shop = client(base, prepared.pk);
      const cartIds = [];
      for (let i = 0; i < CARTS; i++) {
        const a = prepared.products[(i * CLUSTER) % prepared.products.length];
        const b = prepared.products[(i * CLUSTER + 1) % prepared.products.length];
        const cart = await must(shop('POST', '/v1/carts', { region_id: 'reg_demo_us', items: [{ sku: a.sku, quantity: 1 }, { sku: b.sku, quantity: 1 }] }), 201, 'cart');
        cartIds.push(cart.id);
      }
      const pick = pathPicker(prepared.products, cartIds, opts.shoppers);
      const strategies = {};
      for (let i = 0; i < 200; i++) {
        const res = await shop('GET', pick());
        if (res.status !== 200) throw new Error(`recommendations: ${res.status} ${JSON.stringify(res.json)}`);
        strategies[res.json.strategy] = (strategies[res.json.strategy] ?? 0) + 1;
      }
      console.log(`strategies of 200 sample requests: ${JSON.stringify(strategies)}`);
      const headers = { authorization: `Bearer ${prepared.pk}` };
      const groups = { tessera: [server.pid], postgres: postgresPids() };
      const reps = [];
      for (let r = 0; r < opts.repeat; r++) {
        await load({ ...opts, duration: opts.warmup }, bare.url, headers, null, {});
        const b = await load(opts, bare.url, headers, null, { bare: [bare.server.pid] });
        await load({ ...opts, duration: opts.warmup }, base, headers, pick, {});
        const m = await load(opts, base, headers, pick, groups);
        reps.push({ bare: b, recommendations: m, ratio_to_bare: b.rps ? m.rps / b.rps : null });
      }
      const run = { backend: kind, postgres_version: version, model, strategies, loadavg_after: os.loadavg(), repeats: reps };
      results.runs.push(run);
      report(run);
    } finally {
      await bare.server.stop();
      await server.stop();
    }
  });
}

function report(run) {
  const m = (f) => median(run.repeats.map(f));
  const row = (label, k) => [label, fmtInt(m((r) => r[k].rps)), fmtNum(m((r) => r[k].p50_ms), 2), fmtNum(m((r) => r[k].p95_ms), 2), fmtNum(m((r) => r[k].p99_ms), 2), String(m((r) => r[k].non2xx + r[k].errors + r[k].timeouts))];
  console.log(`\n${run.backend}: median of ${run.repeats.length} run(s)`);
  console.log(table(['route', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'non-2xx/err'], [row('bare Fastify {hello:"world"}', 'bare'), row(`GET /v1/recommendations (mix)`, 'recommendations')], [1, 2, 3, 4, 5]));
  const cpu = run.repeats[0].recommendations.cpu_percent;
  console.log(`  ratio to bare: ${fmtRatio(m((r) => r.ratio_to_bare))}; CPU (% of one core): tessera ${fmtInt(cpu.tessera)}, postgres ${fmtInt(cpu.postgres)}, bench ${fmtInt(cpu.bench)}`);
  const p95 = m((r) => r.recommendations.p95_ms);
  const rps = m((r) => r.recommendations.rps);
  console.log(`  targets: p95 < 10 ms → ${p95 < 10 ? 'met' : 'NOT met'}; ≥ 3,000 req/s → ${rps >= 3000 ? 'met' : 'NOT met'}`);
}

main().then(
  () => undefined,
  (err) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
