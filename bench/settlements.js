#!/usr/bin/env node
/* global console, process, performance, setInterval, clearInterval, URL */ // Node globals (the lint config declares none for plain JS)
// Settlement benchmark: seeds N active sellers and M delivered seller orders with their sale
// ledger entries (set-based SQL), then times one settlement run (release + payouts + events +
// reconciliation, one transaction) in this process, with its peak RSS and heap. On the embedded
// PostgreSQL and, with --pg-url, on a PostgreSQL server (a fresh database, dropped afterwards).
// Uses the built dist/ (npm run build). See bench/README.md.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { fmtInt, fmtNum, table } from './report.js';
import { ROOT, machine, withClient } from './storefront.js';

const USAGE = `Usage: node bench/settlements.js [options]    (or: npm run bench:settlements -- [options])

  --sellers N        active sellers (default 1000)
  --orders N         delivered seller orders, spread evenly over the sellers (default 100000)
  --pg-url URL       also run on this PostgreSQL server (or env BENCH_DATABASE_URL / DATABASE_URL)
  --skip-embedded    do not run on the embedded PostgreSQL
  --out FILE         results JSON (default bench/results/settlements-<time>.json)
  -h, --help`;

const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);
const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const DAY = 86_400_000;

function options() {
  const { values } = parseArgs({
    options: {
      sellers: { type: 'string', default: '1000' },
      orders: { type: 'string', default: '100000' },
      'pg-url': { type: 'string' },
      'skip-embedded': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const pgUrl = values['pg-url'] ?? process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? null;
  const backends = [...(values['skip-embedded'] ? [] : ['embedded']), ...(pgUrl ? ['pg'] : [])];
  if (!backends.length) throw new Error('nothing to run: --skip-embedded without --pg-url');
  return {
    sellers: Number(values.sellers),
    orders: Number(values.orders),
    pgUrl,
    backends,
    out: values.out ?? path.join('bench', 'results', `settlements-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  };
}

/** Sellers, delivered seller orders (10 days ago) and each one's sale posting, as the ledger writes it. */
async function seed(db, sellers, orders) {
  const now = new Date();
  await db.query(
    `INSERT INTO sellers (id, name, email, status, created_at, updated_at)
     SELECT 'sel_bench_' || i, 'Seller ' || i, 'seller' || i || '@bench.example', 'active', $2, $2 FROM generate_series(1, $1) AS i`,
    [sellers, now],
  );
  await db.query(
    `INSERT INTO seller_orders (id, order_id, seller_id, status, currency, goods_amount, tax_amount, shipping_amount, shipping_payee, commission_amount, commission, delivered_at, created_at, updated_at)
     SELECT 'so_bench_' || i, 'ord_bench_' || i, 'sel_bench_' || (i % $2 + 1), 'completed', 'USD', 1000 + i % 9000, 0, 500, 'seller', (1000 + i % 9000) / 10, '{}', $3, $4, $4
       FROM generate_series(1, $1) AS i`,
    [orders, sellers, new Date(now.getTime() - 10 * DAY), new Date(now.getTime() - 20 * DAY)],
  );
  await db.query(
    `INSERT INTO ledger_transactions (id, source, source_id, kind, created_at)
     SELECT 'ltx_sale_' || id, 'seller_order', id, 'sale', created_at FROM seller_orders WHERE id LIKE 'so_bench_%'`,
  );
  await db.query(
    `INSERT INTO ledger_entries (txn_id, account, seller_id, currency, amount, kind, seller_order_id, created_at)
     SELECT 'ltx_sale_' || so.id, l.account, CASE WHEN l.account LIKE 'seller:%' THEN so.seller_id END, so.currency, l.amount, l.kind, so.id, so.created_at
       FROM seller_orders so CROSS JOIN LATERAL (VALUES
         ('platform:clearing', -(so.goods_amount + so.shipping_amount), 'sale'),
         ('seller:' || so.seller_id || ':pending', so.goods_amount, 'sale'),
         ('seller:' || so.seller_id || ':pending', so.shipping_amount, 'shipping'),
         ('seller:' || so.seller_id || ':pending', -so.commission_amount, 'commission'),
         ('platform:commission', so.commission_amount, 'commission')
       ) AS l(account, amount, kind)
      WHERE so.id LIKE 'so_bench_%'`,
  );
  await db.query('ANALYZE');
}

async function runOne(kind, opts) {
  const { loadConfig } = await dist('config.js');
  const { openRuntime } = await dist('runtime.js');
  const { ulidIds } = await dist('platform/crypto/ids.js');
  const { jobContext } = await dist('platform/http/module.js');
  const { SettlementsService } = await dist('modules/marketplace/settlements.service.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tessera-settlements-${kind}-`));
  fs.chmodSync(dir, 0o755); // as root, the embedded PostgreSQL runs as `postgres` and must reach it
  let dropDb = async () => {};
  const env = { TESSERA_DATA_DIR: path.join(dir, 'data') };
  let version = null;
  if (kind === 'pg') {
    const name = `tessera_bench_${crypto.randomBytes(5).toString('hex')}`;
    version = await withClient(opts.pgUrl, async (c) => {
      await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
      return (await c.query('SHOW server_version')).rows[0].server_version;
    });
    dropDb = () => withClient(opts.pgUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
    const url = new URL(opts.pgUrl);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
  }
  const runtime = await openRuntime(loadConfig(env));
  try {
    const db = runtime.db.forEnv('test');
    if (kind === 'embedded') version = (await db.query('SHOW server_version')).rows[0].server_version;
    let t0 = performance.now();
    await seed(db, opts.sellers, opts.orders);
    const seedMs = performance.now() - t0;
    const entries = Number((await db.query('SELECT count(*) AS n FROM ledger_entries')).rows[0].n);

    const settlements = new SettlementsService(7, DAY);
    const ctx = jobContext({ db: runtime.db, ids: ulidIds(), now: () => new Date() }, 'test');
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 10);
    t0 = performance.now();
    const { run, created } = await settlements.run(ctx, { trigger: 'api' });
    const runMs = performance.now() - t0;
    clearInterval(sampler);
    const after = process.memoryUsage();
    t0 = performance.now();
    const again = await settlements.run(ctx, { trigger: 'api' });
    const againMs = performance.now() - t0;
    const paid = run.totals.reduce((s, x) => s + x.amount, 0);
    return {
      backend: kind,
      postgres_version: version,
      sellers: opts.sellers,
      seller_orders: opts.orders,
      ledger_entries_before: entries,
      seed_ms: Math.round(seedMs),
      run_ms: Math.round(runMs),
      created,
      released: run.released_count,
      payouts: run.payouts.length,
      paid_minor: paid,
      findings: run.findings.length,
      repeat_ms: Math.round(againMs),
      repeat_created: again.created,
      rss_before_mb: mb(before.rss),
      rss_peak_sampled_mb: mb(Math.max(peakRss, after.rss)),
      heap_before_mb: mb(before.heapUsed),
      heap_peak_sampled_mb: mb(Math.max(peakHeap, after.heapUsed)),
      max_rss_mb: mb(process.resourceUsage().maxRSS * 1024),
    };
  } finally {
    await runtime.close();
    await dropDb().catch((err) => console.error(`cleanup: ${err.message}`));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const opts = options();
  const results = { machine: machine(), options: { ...opts, pgUrl: opts.pgUrl ? '(set)' : null }, runs: [] };
  for (const kind of opts.backends) {
    console.log(`\n== ${kind === 'pg' ? 'PostgreSQL server' : 'embedded PostgreSQL'}: ${fmtInt(opts.sellers)} sellers, ${fmtInt(opts.orders)} seller orders ==`);
    const r = await runOne(kind, opts);
    results.runs.push(r);
    console.log(
      table(
        ['seed s', 'run s', 'released', 'payouts', 'findings', 'repeat ms', 'RSS before/peak MB', 'heap before/peak MB', 'maxRSS MB'],
        [[fmtNum(r.seed_ms / 1000, 1), fmtNum(r.run_ms / 1000, 2), fmtInt(r.released), fmtInt(r.payouts), String(r.findings), fmtInt(r.repeat_ms), `${r.rss_before_mb} / ${r.rss_peak_sampled_mb}`, `${r.heap_before_mb} / ${r.heap_peak_sampled_mb}`, String(r.max_rss_mb)]],
        [0, 1, 2, 3, 4, 5],
      ),
    );
  }
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(results, null, 2));
  console.log(`\nresults: ${opts.out}`);
}

main().catch((err) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
