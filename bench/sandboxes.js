#!/usr/bin/env node
/* global console, performance, fetch, URLSearchParams */ // Node globals (the lint config declares none for plain JS)
// Partner sandbox benchmark: the latency of a partner signup (which makes the partner's sandbox:
// a schema, every migration, the demo store, in one transaction) and of POST /v1/test_helpers/reset
// (a fresh sandbox swapped in), one after another, against a Tessera started from nothing; with a
// plain authenticated read (GET /v1/partner) timed the same way, side by side. Uses the built dist/.
import { fmtNum, table } from './report.js';
import { benchOptions, machine, percentile, runBackends, startTessera } from './storefront.js';

const USAGE = `Usage: node bench/sandboxes.js [options]    (or: npm run bench:sandboxes -- [options])

  --n N              signups, then resets (default 20)
  --sandbox-products N  demo products per sandbox (default 200, as TESSERA_SANDBOX_SEED_PRODUCTS)
  --pg-url URL       also run on this PostgreSQL server (or env BENCH_DATABASE_URL)
  --skip-embedded    do not run on the embedded PostgreSQL
  --out FILE         results JSON (default bench/results/sandboxes-<time>.json)
  -h, --help`;

const { values, common } = benchOptions('sandboxes', USAGE, { n: { type: 'string', default: '20' }, 'sandbox-products': { type: 'string', default: '200' } });
const opts = { ...common, products: 0, n: Number(values.n), sandboxProducts: Number(values['sandbox-products']) };

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function expectOk(res, what) {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res.json();
}

const summary = (ms) => {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50_ms: percentile(s, 50), p95_ms: percentile(s, 95), max_ms: s[s.length - 1] };
};

const results = { machine: machine(), options: opts, runs: {} };
await runBackends(opts, results, async (kind, servers, cleanups) => {
  const { base } = await startTessera(opts, kind, servers, cleanups, { name: 'sandboxes', env: { TESSERA_SANDBOX_SEED_PRODUCTS: String(opts.sandboxProducts), TESSERA_PARTNER_SIGNUP_RATE_LIMIT: '100000/3600' } });
  const signup = [], reset = [], read = [];
  let token = '';
  for (let i = 0; i < opts.n; i++) {
    let creds;
    signup.push(await timed(async () => {
      const body = { name: `Bench ${i}`, email: `bench${i}@example.com`, kind: 'integrator', scopes: ['catalog:read'] };
      creds = (await expectOk(await fetch(`${base}/v1/partners`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }), 'signup')).credentials;
    }));
    if (i === 0) {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: creds.client_id, client_secret: creds.client_secret });
      token = (await expectOk(await fetch(`${base}/oauth/token`, { method: 'POST', body: form }), 'token')).access_token;
    }
  }
  const auth = { authorization: `Bearer ${token}` };
  for (let i = 0; i < opts.n; i++) {
    reset.push(await timed(async () => expectOk(await fetch(`${base}/v1/test_helpers/reset`, { method: 'POST', headers: auth }), 'reset')));
    read.push(await timed(async () => expectOk(await fetch(`${base}/v1/partner`, { headers: auth }), 'read')));
  }
  const run = { signup: summary(signup), reset: summary(reset), read: summary(read) };
  results.runs[kind] = run;
  console.log(table(['operation', 'n', 'p50 ms', 'p95 ms', 'max ms'], Object.entries(run).map(([op, r]) => [op, String(r.n), fmtNum(r.p50_ms, 1), fmtNum(r.p95_ms, 1), fmtNum(r.max_ms, 1)])));
  console.log(`reset p50 / read p50: ${fmtNum(run.reset.p50_ms / run.read.p50_ms, 0)}×`);
});
