#!/usr/bin/env node
/* global Buffer, URL, console, process */ // Node globals (the lint config declares none for plain JS)
// Carrier webhook benchmark: a freshly started Tessera with --shipments shipped orders; --clients
// concurrent "carriers" post signed tracking webhooks (each carrier's own format and signature, one
// scan each) as fast as they can. Prints webhooks accepted/s and POST latency, intake→canonical
// status latency (probes during the load and at rest), the backlog of unprocessed webhooks when
// the load stops and how long it takes to drain, and checks every scan was applied.
// See bench/README.md.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuMeter, embeddedPidFile, sleep } from './proc.js';
import { fmtInt, fmtNum, table } from './report.js';
import { ROOT, benchOptions, client, flow, machine, must, percentile, postgresPids, prepare, startTessera, withClient, runBackends } from './storefront.js';

const CARRIERS = ['ups', 'fedex', 'dhl', 'usps'];
// the location bench/storefront.js's `prepare` stocks
const LOCATION = 'sloc_demo_main';
const SETUP_WORKERS = 8;

const USAGE = `Usage: node bench/carriers.js [options]    (or: npm run bench:carriers -- [options])

  --clients N          concurrent carrier clients posting webhooks (default 32)
  --duration S         measured seconds of load (default 15)
  --warmup S           unmeasured seconds of load first; its backlog is drained before measuring (default 3)
  --shipments N        shipments the scans are for, one paid order each (default 400)
  --probes N           of those, shipments kept out of the load for latency probes (default 4)
  --probe-every-ms N   during the load, a latency probe starts this often (default 250)
  --poll-ms N          a probe reads its shipment this often (slower after a while) until the scan shows (default 5)
  --idle-probes N      probes one after another once the load has drained (default 30)
  --drain-timeout S    how long to wait, after the load, for the backlog to drain (default 120)
  --skus N             distinct SKUs the set-up orders buy (default 50)
  --products N         products seeded on first start (default 1000)
  --pg-url URL         also run on this PostgreSQL server (or env BENCH_DATABASE_URL); a fresh
                       database is created there and dropped afterwards
  --skip-embedded      do not run on the embedded PostgreSQL
  --log-level L        Tessera's LOG_LEVEL (default info, as in production)
  --cpu-prof           write a V8 CPU profile of the Tessera process under bench/results/
  --out FILE           results JSON (default bench/results/carriers-<time>.json)
  -h, --help

The processor is woken by each stored webhook; when idle it polls every TESSERA_WEBHOOK_POLL_MS.`;

function options() {
  const { values, common } = benchOptions('carriers', USAGE, {
    clients: { type: 'string', default: '32' },
    duration: { type: 'string', default: '15' },
    shipments: { type: 'string', default: '400' },
    probes: { type: 'string', default: '4' },
    'probe-every-ms': { type: 'string', default: '250' },
    'poll-ms': { type: 'string', default: '5' },
    'idle-probes': { type: 'string', default: '30' },
    'drain-timeout': { type: 'string', default: '120' },
  });
  const opts = {
    ...common,
    clients: Number(values.clients),
    duration: Number(values.duration),
    shipments: Number(values.shipments),
    probes: Number(values.probes),
    probeEveryMs: Number(values['probe-every-ms']),
    pollMs: Number(values['poll-ms']),
    idleProbes: Number(values['idle-probes']),
    drainTimeout: Number(values['drain-timeout']),
  };
  if (!(opts.probes >= 1 && opts.shipments > opts.probes)) throw new Error('--shipments must exceed --probes, and --probes be at least 1');
  return opts;
}

/** The carrier adapters as built (`npm run build`): they render and sign exactly what a carrier sends. */
async function loadAdapters() {
  const file = path.join(ROOT, 'dist', 'modules', 'fulfillment', 'carriers', 'index.js');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  return (await import(pathToFileURL(file).href)).carrierAdapters;
}

// ---------------------------------------------------------------------------------------------
// The carriers' side

/** POSTs a raw body with the carrier's headers (no API key: the signature authenticates) over keep-alive node:http. */
function carrierPoster(base) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const { hostname, port } = new URL(base);
  return (carrier, body, headers) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { hostname, port, method: 'POST', path: `/v1/carriers/${carrier}/webhooks`, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

/**
 * The next scan of a shipment: its carrier's journey codes in turn (round again after delivery),
 * each one second of carrier time after the last (carriers send whole seconds, and the status
 * follows the newest scan by carrier time), rendered and signed as the carrier does.
 */
function nextScan(bed, s) {
  const adapter = bed.adapters[s.carrier];
  const k = s.next++;
  const rawCode = adapter.journey[k % adapter.journey.length];
  const occurredAt = new Date(bed.epoch + k * 1000);
  const body = adapter.render([{ scanId: `${bed.tag}-${s.index}-${k}`, trackingNumber: s.tracking, rawCode, rawMessage: `Bench ${adapter.name} ${rawCode}`, occurredAt, location: 'Louisville, US' }]);
  return { k, rawCode, statusAt: occurredAt.toISOString(), body, headers: adapter.sign(body, bed.secrets[s.carrier], new Date()) };
}

function rejection(res) {
  let code = '';
  try {
    code = JSON.parse(res.text)?.code ?? '';
  } catch {
    // not JSON
  }
  return `${res.status} ${code}`.trim();
}

/** `clients` loops posting one scan each for a random load shipment until `seconds` pass. */
async function intakeLoad(bed, clients, seconds) {
  const latencies = [];
  const perSecond = new Array(Math.max(1, Math.ceil(seconds))).fill(0);
  const rejected = {};
  let accepted = 0;
  const t0 = Date.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < deadline) {
        const s = bed.load[crypto.randomInt(bed.load.length)];
        const scan = nextScan(bed, s);
        const start = process.hrtime.bigint();
        try {
          const res = await bed.post(s.carrier, scan.body, scan.headers);
          if (res.status !== 202) {
            const why = rejection(res);
            rejected[why] = (rejected[why] ?? 0) + 1;
            continue;
          }
          latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
          accepted++;
          s.applied = Math.max(s.applied, scan.k);
          const second = Math.floor((Date.now() - t0) / 1000);
          if (second < perSecond.length) perSecond[second]++;
        } catch (err) {
          // the webhook may or may not be stored: that shipment's final check may differ
          s.uncertain = true;
          const why = err.code ?? err.message;
          rejected[why] = (rejected[why] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsed = (Date.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  // the last second is usually partial; leave it out of the slowest second
  const full = perSecond.length > 1 ? perSecond.slice(0, -1) : perSecond;
  return {
    seconds: elapsed,
    accepted,
    accepted_per_s: accepted / elapsed,
    slowest_second: Math.min(...full),
    per_second: perSecond,
    latency_ms: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1) ?? null },
    rejected,
  };
}

/**
 * One probe: a scan for a probe shipment (no other client posts for it), then its shipment is read
 * until GET /v1/shipments/:id shows that scan's raw_code and status_at. The latency runs from the
 * 202 to the answer of the read that shows it. Reads come every `pollMs`, spaced out to 1/25 of the
 * time waited so far: the resolution stays within 4 %, and probes waiting seconds under load do not
 * add hundreds of reads per second to the load they measure.
 */
async function probe(bed, s, timeoutMs) {
  const scan = nextScan(bed, s);
  const res = await bed.post(s.carrier, scan.body, scan.headers);
  const accepted = process.hrtime.bigint();
  if (res.status !== 202) return { error: rejection(res) };
  s.applied = scan.k;
  const deadline = Date.now() + timeoutMs;
  let reads = 0;
  for (;;) {
    const shipment = await must(bed.admin('GET', `/v1/shipments/${s.id}`), 200, 'shipment');
    reads++;
    if (shipment.raw_code === scan.rawCode && shipment.status_at === scan.statusAt) return { ms: Number(process.hrtime.bigint() - accepted) / 1e6, reads };
    if (Date.now() > deadline) return { error: 'not applied within --drain-timeout', reads };
    await sleep(Math.max(bed.pollMs, Number(process.hrtime.bigint() - accepted) / 1e6 / 25));
  }
}

/** Starts a probe every `everyMs` on a free probe shipment until `until`; returns the probes' promises. */
async function probeDuring(bed, until, everyMs, timeoutMs, t0) {
  const free = [...bed.probes];
  const started = [];
  while (Date.now() < until) {
    const s = free.shift();
    if (s) {
      const at = (Date.now() - t0) / 1000;
      started.push(
        probe(bed, s, timeoutMs)
          .catch((err) => ({ error: err.message }))
          .then((r) => {
            free.push(s);
            return { at_s: at, ...r };
          }),
      );
    }
    await sleep(everyMs);
  }
  return started;
}

function summarise(probes) {
  const ms = probes.filter((p) => p.ms !== undefined).map((p) => p.ms).sort((a, b) => a - b);
  const errors = {};
  for (const p of probes) if (p.error) errors[p.error] = (errors[p.error] ?? 0) + 1;
  return { count: ms.length, p50: percentile(ms, 50), p95: percentile(ms, 95), p99: percentile(ms, 99), max: ms.at(-1) ?? null, reads: probes.reduce((n, p) => n + (p.reads ?? 0), 0), errors };
}

// ---------------------------------------------------------------------------------------------
// Tessera's side

/**
 * The database Tessera uses, read from its process: startTessera does not return it. On a server,
 * its DATABASE_URL; embedded, the cluster in its data dir (password file, port in postmaster.pid).
 */
function databaseUrl(pid) {
  const env = {};
  for (const kv of fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const dir = env.TESSERA_DATA_DIR;
  const password = fs.readFileSync(path.join(dir, 'pg-password'), 'utf8').trim();
  const port = fs.readFileSync(embeddedPidFile(dir), 'utf8').split('\n')[3]?.trim();
  return `postgres://tessera:${encodeURIComponent(password)}@127.0.0.1:${port}/tessera`;
}

const backlogOf = async (db) => (await db.query('SELECT count(*)::int AS n FROM test.carrier_webhooks WHERE processed_at IS NULL')).rows[0].n;

/** Waits until no stored webhook is left unprocessed; returns the seconds it took, or null on timeout. */
async function drain(db, timeoutS) {
  const t0 = Date.now();
  while ((await backlogOf(db)) > 0) {
    if (Date.now() - t0 > timeoutS * 1000) return null;
    await sleep(100);
  }
  return (Date.now() - t0) / 1000;
}

/** N paid orders through the storefront flow, each shipped whole (carriers in turn, unique tracking numbers). */
async function shipOrders(admin, api, skus, n, tag) {
  let next = 0;
  const loop = async (fn) => Promise.all(Array.from({ length: SETUP_WORKERS }, async () => {
    for (let i = next++; i < n; i = next++) await fn(i);
  }));
  await loop((i) => flow(api, skus[i % skus.length]));
  const orders = [];
  let after = '';
  while (orders.length < n) {
    const page = await must(admin('GET', `/v1/orders?status=paid&limit=100${after}`), 200, 'orders');
    orders.push(...page.data);
    if (!page.has_more) break;
    after = `&starting_after=${page.next_cursor}`;
  }
  if (orders.length < n) throw new Error(`only ${orders.length} paid orders of ${n}`);
  const shipments = new Array(n);
  next = 0;
  await loop(async (i) => {
    const o = orders[i];
    const carrier = CARRIERS[i % CARRIERS.length];
    const tracking = `BENCH-${carrier.toUpperCase()}-${tag}-${i}`;
    const lines = o.lines.map((l) => ({ line_id: l.id, quantity: l.quantity }));
    const shipment = await must(admin('POST', `/v1/orders/${o.id}/shipments`, { lines, carrier, tracking_number: tracking, location_id: LOCATION }), 201, 'shipment');
    shipments[i] = { index: i, id: shipment.id, carrier, tracking, next: 0, applied: -1, uncertain: false };
  });
  return shipments;
}

/** After the drain: every webhook processed without error, every scan stored, every shipment at its newest scan. */
async function check(db, bed, span) {
  const w = (
    await db.query(
      `SELECT count(*)::int AS webhooks, count(*) FILTER (WHERE processed_at IS NULL)::int AS pending,
              count(*) FILTER (WHERE error IS NOT NULL)::int AS errors, coalesce(sum(scans), 0)::int AS scans,
              count(*) FILTER (WHERE processed_at >= $1 AND processed_at < $2)::int AS processed_in_window,
              count(*) FILTER (WHERE received_at >= $1 AND received_at < $2)::int AS received_in_window,
              percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at) * 1000)
                FILTER (WHERE received_at >= $1 AND received_at < $2) AS stored_to_processed_ms
         FROM test.carrier_webhooks`,
      [new Date(span.t0), new Date(span.t1)],
    )
  ).rows[0];
  const events = (await db.query('SELECT count(*)::int AS n FROM test.tracking_events')).rows[0].n;
  const all = [...bed.load, ...bed.probes];
  const expected = all.map((s) => {
    if (s.applied < 0) return { id: s.id, raw_code: null, status_at: null };
    const adapter = bed.adapters[s.carrier];
    return { id: s.id, raw_code: adapter.journey[s.applied % adapter.journey.length], status_at: new Date(bed.epoch + s.applied * 1000) };
  });
  const { rows: wrong } = await db.query(
    `SELECT x.id FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS x(id, raw_code, status_at)
       LEFT JOIN test.shipments s ON s.id = x.id
      WHERE s.id IS NULL OR s.raw_code IS DISTINCT FROM x.raw_code OR s.status_at IS DISTINCT FROM x.status_at`,
    [expected.map((e) => e.id), expected.map((e) => e.raw_code), expected.map((e) => e.status_at)],
  );
  const uncertain = new Set(all.filter((s) => s.uncertain).map((s) => s.id));
  const [p50, p95, p99] = (w.stored_to_processed_ms ?? []).map(Number);
  return {
    webhooks: w.webhooks,
    pending: w.pending,
    errors: w.errors,
    scans: w.scans,
    tracking_events: events,
    processed_in_window: w.processed_in_window,
    stored_to_processed_ms: { count: w.received_in_window, p50: p50 ?? null, p95: p95 ?? null, p99: p99 ?? null },
    shipments: all.length,
    shipments_not_at_newest_scan: wrong.filter((r) => !uncertain.has(r.id)).map((r) => r.id),
    shipments_uncertain: uncertain.size,
  };
}

// ---------------------------------------------------------------------------------------------
// Run

async function runBackend(opts, kind, adapters, servers, cleanups) {
  const secrets = Object.fromEntries(CARRIERS.map((c) => [c, crypto.randomBytes(24).toString('base64url')]));
  const env = { TESSERA_CARRIER_SECRETS: JSON.stringify({ test: secrets }) };
  const { server, base, key, version, profile } = await startTessera(opts, kind, servers, cleanups, { name: 'carriers', env });
  try {
    return await withClient(databaseUrl(server.pid), async (db) => {
      const admin = client(base, key);
      const setupStart = Date.now();
      const prepared = await prepare(admin, opts.skus);
      const tag = crypto.randomBytes(3).toString('hex').toUpperCase();
      const shipments = await shipOrders(admin, client(base, prepared.pk), prepared.skus, opts.shipments, tag);
      const setupSeconds = (Date.now() - setupStart) / 1000;
      const bed = {
        adapters,
        secrets,
        tag,
        // carrier time starts a day back, on a whole second, and moves one second per scan of a shipment
        epoch: Math.floor((Date.now() - 86_400_000) / 1000) * 1000,
        post: carrierPoster(base),
        admin,
        pollMs: opts.pollMs,
        probes: shipments.slice(0, opts.probes),
        load: shipments.slice(opts.probes),
      };
      const sinceStart = () => Math.round(Number(process.hrtime.bigint() - server.startedAt) / 1e8) / 10;

      await intakeLoad(bed, opts.clients, opts.warmup);
      const warmupDrain = await drain(db, opts.drainTimeout);

      // the measured load, with latency probes and the backlog read every second beside it
      const meter = cpuMeter({ tessera: [server.pid], postgres: postgresPids() });
      const t0 = Date.now();
      const profileWindow = [sinceStart()];
      const until = t0 + opts.duration * 1000;
      const backlog = [];
      const sampling = (async () => {
        for (let next = t0 + 1000; next < until; next += 1000) {
          await sleep(next - Date.now());
          backlog.push(await backlogOf(db));
        }
      })();
      const [intake, started] = await Promise.all([intakeLoad(bed, opts.clients, opts.duration), probeDuring(bed, until, opts.probeEveryMs, opts.drainTimeout * 1000, t0), sampling]);
      const t1 = Date.now();
      profileWindow.push(sinceStart());
      const cpuLoad = meter.stop();
      const backlogAtStop = await backlogOf(db);

      const drainMeter = cpuMeter({ tessera: [server.pid], postgres: postgresPids() });
      const drainSeconds = await drain(db, opts.drainTimeout);
      const cpuDrain = drainMeter.stop();
      const underLoad = await Promise.all(started);

      const atRest = [];
      for (let i = 0; i < opts.idleProbes; i++) {
        atRest.push(await probe(bed, bed.probes[i % bed.probes.length], opts.drainTimeout * 1000).catch((err) => ({ error: err.message })));
        await sleep(20);
      }
      const checks = await check(db, bed, { t0, t1 });
      return {
        backend: kind,
        postgres_version: version,
        clients: opts.clients,
        shipments: opts.shipments,
        setup_seconds: setupSeconds,
        warmup_drain_seconds: warmupDrain,
        intake,
        probe_reads_per_s: underLoad.reduce((n, p) => n + (p.reads ?? 0), 0) / ((t1 - t0) / 1000),
        canonical: { under_load: summarise(underLoad), at_rest: summarise(atRest), stored_to_processed_ms: checks.stored_to_processed_ms },
        processed_per_s_under_load: checks.processed_in_window / ((t1 - t0) / 1000),
        backlog: { per_second: backlog, at_stop: backlogAtStop, drain_seconds: drainSeconds, drained_per_s: drainSeconds ? backlogAtStop / drainSeconds : null },
        cpu_percent: { load: cpuLoad, drain: cpuDrain },
        checks,
        probes_under_load: underLoad,
        ...(profile ? { profile, profile_window_s: profileWindow } : {}),
      };
    });
  } finally {
    await server.stop();
  }
}

function report(run, opts) {
  const i = run.intake;
  const c = run.checks;
  const cpu = (r) => `${fmtInt(r.tessera)} / ${fmtInt(r.postgres)} / ${fmtInt(r.bench)}`;
  const pct = (s) => `${fmtNum(s.p50, 1)} / ${fmtNum(s.p95, 1)} / ${fmtNum(s.p99, 1)}`;
  const rejected = Object.entries(i.rejected);
  console.log(
    `\n${run.clients} carrier client(s), ${fmtNum(i.seconds, 1)} s measured; ${fmtInt(run.shipments)} shipments (${opts.probes} kept for probes), ` +
      `set up in ${fmtNum(run.setup_seconds, 1)} s; warm-up backlog drained in ${fmtNum(run.warmup_drain_seconds, 1)} s`,
  );
  console.log(
    table(
      ['carrier webhooks', 'value'],
      [
        ['accepted (202) per s', fmtInt(i.accepted_per_s)],
        ['  slowest full second', fmtInt(i.slowest_second)],
        ['  accepted in the window', fmtInt(i.accepted)],
        ['POST p50 / p95 / p99 ms', pct(i.latency_ms)],
        ['POST max ms', fmtNum(i.latency_ms.max, 1)],
        ['not accepted', rejected.length ? rejected.map(([k, v]) => `${k} ×${fmtInt(v)}`).join(', ') : '0'],
        ['processed per s during the load', fmtInt(run.processed_per_s_under_load)],
        ['backlog every second of the load', run.backlog.per_second.map(fmtInt).join(' ')],
        ['backlog when the load stopped', `${fmtInt(run.backlog.at_stop)} webhooks`],
        ['drained, s after the load stopped', run.backlog.drain_seconds === null ? 'not within --drain-timeout' : `${fmtNum(run.backlog.drain_seconds, 1)} (${fmtInt(run.backlog.drained_per_s)}/s)`],
        ['CPU % load: tessera / postgres / bench', cpu(run.cpu_percent.load)],
        ['CPU % drain: tessera / postgres / bench', cpu(run.cpu_percent.drain)],
      ],
      [1],
    ),
  );
  const l = run.canonical.under_load;
  const r = run.canonical.at_rest;
  const errs = (s) => Object.entries(s.errors).map(([k, v]) => `${k} ×${v}`).join(', ');
  console.log(
    table(
      ['intake→canonical', 'count', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      [
        ['202 → GET shows the scan, during the load', fmtInt(l.count), fmtNum(l.p50, 1), fmtNum(l.p95, 1), fmtNum(l.p99, 1), fmtNum(l.max, 1)],
        ['202 → GET shows the scan, at rest', fmtInt(r.count), fmtNum(r.p50, 1), fmtNum(r.p95, 1), fmtNum(r.p99, 1), fmtNum(r.max, 1)],
        ['stored → processed (database, every webhook of the window)', fmtInt(run.canonical.stored_to_processed_ms.count), fmtNum(run.canonical.stored_to_processed_ms.p50, 1), fmtNum(run.canonical.stored_to_processed_ms.p95, 1), fmtNum(run.canonical.stored_to_processed_ms.p99, 1), ''],
      ],
      [1, 2, 3, 4, 5],
    ),
  );
  if (l.errors && Object.keys(l.errors).length) console.log(`  probe errors during the load: ${errs(l)}`);
  if (r.errors && Object.keys(r.errors).length) console.log(`  probe errors at rest: ${errs(r)}`);
  console.log(`  probes read their shipment every ${opts.pollMs} ms, then every 1/25 of the time waited: ${fmtInt(run.probe_reads_per_s)} GET/s beside the load`);
  const ok = c.pending === 0 && c.errors === 0 && c.scans === c.webhooks && c.tracking_events === c.scans && c.shipments_not_at_newest_scan.length === 0;
  console.log(
    `  ${ok ? 'every scan applied' : 'NOT every scan applied cleanly'}: ${fmtInt(c.webhooks)} webhooks stored, ${fmtInt(c.pending)} unprocessed, ${fmtInt(c.errors)} with an error, ` +
      `${fmtInt(c.scans)} scans read, ${fmtInt(c.tracking_events)} tracking events; ${fmtInt(c.shipments - c.shipments_not_at_newest_scan.length)} of ${fmtInt(c.shipments)} shipments at their newest scan` +
      `${c.shipments_not_at_newest_scan.length ? ` (not: ${c.shipments_not_at_newest_scan.slice(0, 5).join(', ')}…)` : ''}${c.shipments_uncertain ? `, ${c.shipments_uncertain} not checked (a POST failed without an answer)` : ''}`,
  );
  if (run.profile) console.log(`  cpu profile (load): node bench/profile-summary.js ${run.profile} --from ${run.profile_window_s[0]} --to ${run.profile_window_s[1]}`);
}

async function main() {
  const opts = options();
  const adapters = await loadAdapters();
  const pollMs = process.env.TESSERA_WEBHOOK_POLL_MS ?? '200 (default)';
  const results = { machine: { ...machine(), loadavg: os.loadavg() }, options: { ...opts, pgUrl: opts.pgUrl ? '(set)' : null }, tessera_env: { TESSERA_WEBHOOK_POLL_MS: pollMs }, runs: [] };
  console.log(`machine: ${results.machine.cpus} CPUs (${results.machine.model}), Node ${results.machine.node}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`Tessera: TESSERA_WEBHOOK_POLL_MS=${pollMs}`);
  await runBackends(opts, results, async (kind, servers, cleanups) => {
    const run = await runBackend(opts, kind, adapters, servers, cleanups);
    results.runs.push(run);
    report(run, opts);
  });
}

main().then(
  () => sleep(0),
  (err) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
