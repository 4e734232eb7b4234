#!/usr/bin/env node
/* global AbortSignal, Buffer, console, fetch, process, setTimeout */ // Node globals (the lint config declares none for plain JS)
// Webhook benchmark: the guest checkout flow of bench/checkout.js runs twice against a freshly
// started Tessera, first with no webhook endpoint (baseline), then with --endpoints endpoints
// subscribed to every event, all pointing at a local receiver. Prints deliveries/s, enqueue→delivery
// p50/p95/p99, whether every event arrived, and checkout latency with and without webhooks.
// See bench/README.md.
import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { sleep } from './proc.js';
import { fmtInt, fmtNum, fmtRatio, table } from './report.js';
import { HOST, benchOptions, client, machine, measure, must, percentile, prepare, startTessera, runBackends } from './storefront.js';

const RECEIVER_FLAG = '--as-webhook-receiver';
const DELIVERY_TARGET_PER_S = 1000;
const DELAY_P99_TARGET_MS = 1000;

const USAGE = `Usage: node bench/webhooks.js [options]    (or: npm run bench:webhooks -- [options])

  --workers N            concurrent checkout workers (default 10)
  --duration S           measured seconds per phase (default 20)
  --warmup S             unmeasured seconds before each phase (default 3)
  --endpoints N          webhook endpoints, each subscribed to every event ("*") (default 4)
  --receiver-delay-ms N  the receiver answers 200 after this long (default 0: at once)
  --drain-timeout S      how long to wait, after the load, for the last deliveries (default 120)
  --skus N               distinct SKUs the flows buy (default 50)
  --products N           products seeded on first start (default 1000)
  --pg-url URL           also run on this PostgreSQL server (or env BENCH_DATABASE_URL); a fresh
                         database is created there and dropped afterwards
  --skip-embedded        do not run on the embedded PostgreSQL
  --log-level L          Tessera's LOG_LEVEL (default info, as in production)
  --cpu-prof             write a V8 CPU profile of the Tessera process under bench/results/
  --out FILE             results JSON (default bench/results/webhooks-<time>.json)
  -h, --help

Tessera's delivery settings come from the environment as usual: TESSERA_EVENTS_POLL_MS,
TESSERA_WEBHOOK_POLL_MS, TESSERA_WEBHOOK_BATCH_SIZE, TESSERA_WEBHOOK_CONCURRENCY.`;

const TUNING = { TESSERA_EVENTS_POLL_MS: '200', TESSERA_EVENTS_BATCH_SIZE: '200', TESSERA_WEBHOOK_POLL_MS: '200', TESSERA_WEBHOOK_BATCH_SIZE: '200', TESSERA_WEBHOOK_CONCURRENCY: '100' };

function options() {
  const { values, common } = benchOptions('webhooks', USAGE, {
    workers: { type: 'string', default: '10' },
    duration: { type: 'string', default: '20' },
    endpoints: { type: 'string', default: '4' },
    'receiver-delay-ms': { type: 'string', default: '0' },
    'drain-timeout': { type: 'string', default: '120' },
  });
  const endpoints = Number(values.endpoints);
  if (!Number.isInteger(endpoints) || endpoints < 1) throw new Error('--endpoints must be at least 1');
  return {
    ...common,
    workers: Number(values.workers),
    duration: Number(values.duration),
    endpoints,
    receiverDelayMs: Number(values['receiver-delay-ms']),
    drainTimeout: Number(values['drain-timeout']),
  };
}

// ---------------------------------------------------------------------------------------------
// The receiver: a child process, so its CPU is apart from the load generator's and counted alone

/**
 * Answers every POST to /e/<endpoint index> with 200 (after `delayMs`), and records per delivery
 * the endpoint, the webhook-id, the arrival time, the event time (the body's `timestamp`, the
 * event's created_at) and whether the signature verifies against the endpoint's secret.
 */
function receiver(delayMs) {
  const keys = [];
  const seen = new Set();
  const rec = { endpoint: [], id: [], arrival: [], created: [], type: [] };
  const counts = { received: 0, malformed: 0, bad_signature: 0, connections: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const arrival = Date.now();
      const body = Buffer.concat(chunks).toString();
      const m = /^\/e\/(\d+)$/.exec(req.url ?? '');
      const id = req.headers['webhook-id'];
      let created = NaN;
      let type = null;
      try {
        const parsed = JSON.parse(body);
        created = Date.parse(parsed.timestamp);
        type = parsed.type;
      } catch {
        // counted as malformed below
      }
      counts.received++;
      if (!m || typeof id !== 'string' || Number.isNaN(created)) counts.malformed++;
      else {
        const key = keys[Number(m[1])];
        const expected = key && crypto.createHmac('sha256', key).update(`${id}.${req.headers['webhook-timestamp']}.${body}`).digest('base64');
        if (!expected || !String(req.headers['webhook-signature'] ?? '').split(' ').includes(`v1,${expected}`)) counts.bad_signature++;
        seen.add(`${m[1]} ${id}`);
        rec.endpoint.push(Number(m[1]));
        rec.id.push(id);
        rec.arrival.push(arrival);
        rec.created.push(created);
        rec.type.push(type);
      }
      const answer = () => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  // longer than any pause in the run, so a kept-alive socket is never closed under a sender reusing it
  server.keepAliveTimeout = 120_000;
  // how well the sender reuses its connections
  server.on('connection', () => counts.connections++);
  server.listen(0, HOST, () => process.send({ type: 'ready', port: server.address().port }));
  process.on('message', (msg) => {
    if (msg.type === 'secrets') {
      for (const [i, s] of msg.secrets.entries()) keys[i] = Buffer.from(s.replace(/^whsec_/, ''), 'base64');
      process.send({ type: 'ok' });
    } else if (msg.type === 'stats') process.send({ type: 'stats', ...counts, distinct: seen.size });
    else if (msg.type === 'dump') process.send({ type: 'dump', ...counts, records: rec });
  });
  process.on('disconnect', () => process.exit(0));
}

async function startReceiver(delayMs, cleanups) {
  const child = fork(fileURLToPath(import.meta.url), [RECEIVER_FLAG, String(delayMs)], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  cleanups.push(() => child.kill());
  let queue = Promise.resolve();
  // one question at a time: each answer is the next message
  const ask = (msg) => {
    const answer = queue.then(() => new Promise((resolve) => {
      child.once('message', resolve);
      child.send(msg);
    }));
    queue = answer.then(() => undefined);
    return answer;
  };
  const port = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`webhook receiver exited (${code})`)));
  });
  return { child, pid: child.pid, base: `http://${HOST}:${port}`, ask };
}

// ---------------------------------------------------------------------------------------------
// Tessera's side

/** A gauge's value for the test environment from Tessera's /metrics, or null. */
async function gauge(metricsBase, name) {
  try {
    const res = await fetch(`${metricsBase}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes('environment="test"'));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null;
  } catch {
    return null;
  }
}

/** Every event created at or after `since` (test mode), paging GET /v1/events. */
async function eventsSince(admin, since) {
  const out = [];
  let after = '';
  for (;;) {
    const page = await must(admin('GET', `/v1/events?limit=100&${encodeURIComponent('created[gte]')}=${encodeURIComponent(new Date(since).toISOString())}${after}`), 200, 'events');
    for (const e of page.data) out.push({ id: e.id, type: e.type, created: Date.parse(e.created_at), about: e.type.startsWith('webhook_delivery.') ? e.data.object.endpoint_id : null });
    if (!page.has_more) return out;
    after = `&starting_after=${page.next_cursor}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Run

async function runBackend(opts, kind, servers, cleanups) {
  const receiver = await startReceiver(opts.receiverDelayMs, cleanups);
  const { server, base, metricsBase, key, version, profile } = await startTessera(opts, kind, servers, cleanups, { name: 'webhooks' });
  try {
    const admin = client(base, key);
    const prepared = await prepare(admin, opts.skus);
    const api = client(base, prepared.pk);
    const pids = { receiver: [receiver.pid] };

    // seconds since Tessera started, to cut its CPU profile to a phase (bench/profile-summary.js --from --to)
    const sinceStart = () => Math.round(Number(process.hrtime.bigint() - server.startedAt) / 1e8) / 10;
    const windows = {};

    // Phase A: no endpoint; the dispatcher still drains the outbox, but fans out to nothing
    await measure(api, prepared.skus, opts.workers, opts.warmup, server.pid, pids);
    windows.baseline = [sinceStart()];
    const baseline = await measure(api, prepared.skus, opts.workers, opts.duration, server.pid, pids);
    windows.baseline.push(sinceStart());
    // events of phase A still in the outbox would be fanned out to the new endpoints
    const quiet = Date.now() + 30_000;
    while ((await gauge(metricsBase, 'tessera_outbox_depth')) !== 0 && Date.now() < quiet) await sleep(200);

    // Phase B: the same load, with the endpoints
    const endpoints = [];
    for (let i = 0; i < opts.endpoints; i++) endpoints.push(await must(admin('POST', '/v1/webhook_endpoints', { url: `${receiver.base}/e/${i}`, enabled_events: ['*'], description: `bench ${i}` }), 201, 'webhook endpoint'));
    await receiver.ask({ type: 'secrets', secrets: endpoints.map((e) => e.secret) });
    const since = Date.now();
    await measure(api, prepared.skus, opts.workers, opts.warmup, server.pid, pids);
    const t0 = Date.now();
    windows.with_webhooks = [sinceStart()];
    const loaded = await measure(api, prepared.skus, opts.workers, opts.duration, server.pid, pids);
    const t1 = Date.now();
    windows.with_webhooks.push(sinceStart());
    const backlog = { outbox: await gauge(metricsBase, 'tessera_outbox_depth'), deliveries_pending: await gauge(metricsBase, 'tessera_webhook_queue_depth') };

    // Every (endpoint, event) pair that must arrive: events since the endpoints exist, to every
    // endpoint, except a webhook_delivery.* event to the endpoint it is about
    const events = await eventsSince(admin, since);
    const expected = new Map();
    for (const e of events) for (const [i, ep] of endpoints.entries()) if (e.about !== ep.id) expected.set(`${i} ${e.id}`, e.created);
    const drainDeadline = Date.now() + opts.drainTimeout * 1000;
    let stats = await receiver.ask({ type: 'stats' });
    while (stats.distinct < expected.size && Date.now() < drainDeadline) {
      await sleep(100);
      stats = await receiver.ask({ type: 'stats' });
    }
    // anything late beyond the expected set (duplicates, retries) gets a moment to show up
    await sleep(500);
    const dump = await receiver.ask({ type: 'dump' });
    const after = { outbox: await gauge(metricsBase, 'tessera_outbox_depth'), deliveries_pending: await gauge(metricsBase, 'tessera_webhook_queue_depth') };
    const webhooks = analyse(dump, expected, { t0, t1, since, endpoints: endpoints.length, orders: loaded.orders });
    const eventTypes = {};
    for (const e of events) eventTypes[e.type] = (eventTypes[e.type] ?? 0) + 1;
    return {
      backend: kind,
      postgres_version: version,
      workers: opts.workers,
      endpoints: endpoints.length,
      baseline,
      with_webhooks: loaded,
      webhooks: { ...webhooks, event_types: eventTypes, backlog_at_end_of_load: backlog, backlog_after_drain: after },
      ...(profile ? { profile, profile_window_s: windows } : {}),
    };
  } finally {
    await server.stop();
  }
}

/** Turns the receiver's records into rates, delays and a completeness check. */
function analyse(dump, expected, { t0, t1, since, endpoints, orders }) {
  const r = dump.records;
  const seen = new Set();
  let duplicates = 0;
  let unexpected = 0;
  let inWindow = 0;
  let lastExpected = null;
  const perSecond = new Array(Math.max(1, Math.ceil((t1 - t0) / 1000))).fill(0);
  const delays = [];
  for (let k = 0; k < r.id.length; k++) {
    const pair = `${r.endpoint[k]} ${r.id[k]}`;
    if (seen.has(pair)) {
      duplicates++;
      continue;
    }
    seen.add(pair);
    if (!expected.has(pair)) unexpected++;
    else lastExpected = Math.max(lastExpected ?? 0, r.arrival[k]);
    if (r.arrival[k] >= t0 && r.arrival[k] < t1) {
      inWindow++;
      const s = Math.floor((r.arrival[k] - t0) / 1000);
      if (s < perSecond.length) perSecond[s]++;
    }
    if (r.created[k] >= t0 && r.created[k] < t1) delays.push(r.arrival[k] - r.created[k]);
  }
  let missing = 0;
  let offered = 0;
  for (const [pair, created] of expected) {
    if (!seen.has(pair)) missing++;
    if (created >= t0 && created < t1) offered++;
  }
  delays.sort((a, b) => a - b);
  const seconds = (t1 - t0) / 1000;
  // the last second is usually partial; leave it out of the slowest second
  const full = perSecond.length > 1 ? perSecond.slice(0, -1) : perSecond;
  return {
    window_seconds: seconds,
    deliveries_in_window: inWindow,
    deliveries_per_s: inWindow / seconds,
    slowest_second: Math.min(...full),
    offered_per_s: offered / seconds,
    events_since_endpoints: expected.size / endpoints,
    events_per_order: orders ? offered / endpoints / orders : null,
    delay_ms: { count: delays.length, p50: percentile(delays, 50), p95: percentile(delays, 95), p99: percentile(delays, 99), max: delays.at(-1) ?? null },
    expected: expected.size,
    received: dump.received,
    missing,
    duplicates,
    unexpected,
    malformed: dump.malformed,
    bad_signatures: dump.bad_signature,
    connections: dump.connections,
    drain_seconds: lastExpected === null ? null : Math.max(0, (lastExpected - t1) / 1000),
    since: new Date(since).toISOString(),
  };
}

function report(run, opts) {
  const a = run.baseline;
  const b = run.with_webhooks;
  const w = run.webhooks;
  console.log(`\n${run.workers} checkout worker(s), ${run.endpoints} endpoint(s) subscribed to "*", receiver delay ${opts.receiverDelayMs} ms, ${opts.duration} s measured per phase`);
  const lat = (r, s, p) => r.latency[s][p];
  const ratio = (x, y) => fmtRatio(x === null || !y ? null : x / y);
  const rows = [['orders/s', fmtNum(a.orders_per_s, 1), fmtNum(b.orders_per_s, 1), ratio(b.orders_per_s, a.orders_per_s)]];
  for (const s of ['checkout', 'flow']) for (const p of ['p50', 'p95', 'p99']) rows.push([`${s} ${p} ms`, fmtNum(lat(a, s, p), 1), fmtNum(lat(b, s, p), 1), ratio(lat(b, s, p), lat(a, s, p))]);
  for (const k of ['tessera', 'postgres', 'receiver', 'bench']) rows.push([`CPU ${k} %`, fmtInt(a.cpu_percent[k]), fmtInt(b.cpu_percent[k]), '']);
  console.log(table(['', 'no webhooks', 'with webhooks', 'ratio'], rows, [1, 2, 3]));
  for (const [name, r] of [['no webhooks', a], ['with webhooks', b]]) {
    const errors = Object.entries(r.errors);
    if (errors.length) console.log(`  errors (${name}): ${errors.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  }
  const d = w.delay_ms;
  const verdict = (ok) => (ok ? 'PASS' : 'not met');
  const rateVerdict = w.deliveries_per_s >= DELIVERY_TARGET_PER_S ? 'PASS' : w.offered_per_s < DELIVERY_TARGET_PER_S ? `not reached: only ${fmtInt(w.offered_per_s)}/s offered (raise --endpoints)` : 'not met';
  console.log(
    table(
      ['webhooks', 'value', 'target'],
      [
        ['deliveries/s in the measured window', fmtInt(w.deliveries_per_s), `≥ ${fmtInt(DELIVERY_TARGET_PER_S)}: ${rateVerdict}`],
        ['  slowest full second', fmtInt(w.slowest_second), ''],
        ['  offered (events/s × endpoints)', fmtInt(w.offered_per_s), ''],
        ['  events per order', fmtNum(w.events_per_order, 2), ''],
        ['enqueue→delivery p50 ms', fmtInt(d.p50), ''],
        ['enqueue→delivery p95 ms', fmtInt(d.p95), ''],
        ['enqueue→delivery p99 ms', fmtInt(d.p99), `< ${fmtInt(DELAY_P99_TARGET_MS)}: ${d.p99 === null ? '–' : verdict(d.p99 < DELAY_P99_TARGET_MS)}`],
        ['enqueue→delivery max ms', fmtInt(d.max), ''],
        ['backlog when the load stopped', `${fmtInt(w.backlog_at_end_of_load.outbox)} events / ${fmtInt(w.backlog_at_end_of_load.deliveries_pending)} deliveries`, ''],
        ['TCP connections opened to the receiver', `${fmtInt(w.connections)} (${fmtNum(w.connections / (w.received || 1), 2)} per delivery)`, ''],
        ['drained, s after the load stopped', w.missing ? `not drained within --drain-timeout (${fmtInt(w.missing)} missing)` : fmtNum(w.drain_seconds, 1), ''],
      ],
      [1],
    ),
  );
  const all = w.missing === 0 && w.duplicates === 0 && w.bad_signatures === 0 && w.malformed === 0;
  console.log(
    `  ${all ? 'every event arrived' : 'NOT every event arrived cleanly'}: ${fmtInt(w.expected - w.missing)} of ${fmtInt(w.expected)} expected deliveries ` +
      `(${fmtInt(w.events_since_endpoints)} events × ${run.endpoints} endpoints), ${fmtInt(w.missing)} missing, ${fmtInt(w.duplicates)} duplicates, ` +
      `${fmtInt(w.bad_signatures)} bad signatures, ${fmtInt(w.malformed)} malformed, ${fmtInt(w.unexpected)} deliveries of events older than the endpoints; ` +
      `after the drain: outbox ${fmtInt(w.backlog_after_drain.outbox)}, pending ${fmtInt(w.backlog_after_drain.deliveries_pending)}`,
  );
  console.log(`  events since the endpoints were created: ${Object.entries(w.event_types).map(([t, n]) => `${t} ×${fmtInt(n)}`).join(', ')}`);
  for (const [phase, [from, to]] of Object.entries(run.profile_window_s ?? {})) console.log(`  cpu profile (${phase}): node bench/profile-summary.js ${run.profile} --from ${from} --to ${to}`);
  console.log(`  delays are over the ${fmtInt(d.count)} deliveries of events created in the measured window (late ones included); the delivery target applies on the PostgreSQL server`);
}

async function main() {
  const opts = options();
  const tuning = Object.fromEntries(Object.entries(TUNING).map(([k, v]) => [k, process.env[k] ?? `${v} (default)`]));
  const results = { machine: { ...machine(), loadavg: os.loadavg() }, options: { ...opts, pgUrl: opts.pgUrl ? '(set)' : null }, tessera_env: tuning, runs: [] };
  console.log(`machine: ${results.machine.cpus} CPUs (${results.machine.model}), Node ${results.machine.node}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`Tessera: ${Object.entries(tuning).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  await runBackends(opts, results, async (kind, servers, cleanups) => {
    const run = await runBackend(opts, kind, servers, cleanups);
    results.runs.push(run);
    report(run, opts);
  });
}

if (process.argv[2] === RECEIVER_FLAG) receiver(Number(process.argv[3]));
else {
  main().then(
    () => sleep(0),
    (err) => {
      console.error(err.stack ?? err.message);
      process.exit(1);
    },
  );
}
