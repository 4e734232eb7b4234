#!/usr/bin/env node
/* global console, process */ // Node globals (the lint config declares none for plain JS)
// Guest checkout benchmark: N concurrent workers each run the full storefront flow over HTTP
// (create cart → add item → address and e-mail → shipping → checkout with tok_visa) against a
// freshly started Tessera, on the embedded PostgreSQL and (with --pg-url) on a PostgreSQL server.
// Prints orders/s and p50/p95/p99 per step and per flow. See bench/README.md.
import { sleep } from './proc.js';
import { fmtInt, fmtNum, median, table } from './report.js';
import { STEPS, benchOptions, client, machine, measure, prepare, runBackends, startTessera } from './storefront.js';

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
  const { values, common } = benchOptions('checkout', USAGE, {
    workers: { type: 'string', default: '1,10,32' },
    duration: { type: 'string', default: '15' },
    repeat: { type: 'string', default: '1' },
  });
  return { ...common, workers: values.workers.split(',').map(Number), duration: Number(values.duration), repeat: Number(values.repeat) };
}

async function main() {
  const opts = options();
  const results = { machine: machine(), options: { ...opts, pgUrl: opts.pgUrl ? '(set)' : null }, runs: [] };
  await runBackends(opts, results, async (kind, servers, cleanups) => {
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
  });
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
