import type { App } from './app.js';
import type { Config } from './config.js';
import { seedDemoStore } from './seed.js';
import type { Database } from './platform/db/database.js';
import type { IdGenerator } from './platform/crypto/ids.js';

const MARKER = 'bootstrap';

/**
 * First start of an installation: seeds the demo catalog into **test** mode and creates a test
 * secret key (or registers TESSERA_ADMIN_KEY as it) and a test publishable key, printing them
 * once. Later starts only make sure TESSERA_ADMIN_KEY is registered. Safe with several processes
 * starting at once: the first one, holding an advisory lock, does the work.
 */
export async function bootstrap(config: Config, db: Database, app: Pick<App, 'modules'>, ids: IdGenerator, print: (line: string) => void): Promise<void> {
  const keys = app.modules.developers.keys;
  const test = db.forEnv('test');
  const firstStart = await test.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(727274002)');
    const done = await tx.query('SELECT 1 FROM platform_state WHERE key = $1', [MARKER]);
    if (done.rowCount) return false;
    const seeded = config.seedProducts > 0 ? await seedDemoStore(tx, { products: config.seedProducts }) : null;
    await tx.query('INSERT INTO platform_state (key, value) VALUES ($1, $2)', [MARKER, { seeded }]);
    if (seeded) print(`Seeded the demo catalog into test mode: ${seeded.products} products, ${seeded.variants} variants, ${seeded.categories} categories, 2 regions, stock in one warehouse.`);
    return true;
  });
  if (config.adminKey) await keys.ensure('test', ids, config.adminKey, { type: 'secret', name: 'TESSERA_ADMIN_KEY' });
  if (!firstStart) return;
  const secret = config.adminKey ? null : await keys.create('test', ids, { type: 'secret', name: 'bootstrap' });
  const publishable = await keys.create('test', ids, { type: 'publishable', name: 'bootstrap' });
  print('');
  print('Test-mode API keys (shown once; only their hashes are stored):');
  print(`  secret:      ${secret ? secret.secret : '(TESSERA_ADMIN_KEY)'}`);
  print(`  publishable: ${publishable.secret}`);
  print('');
}
