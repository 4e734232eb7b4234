import type { Config } from './config.js';
import { ConfigError } from './config.js';
import { seedDemoStore } from './seed.js';
import { KeysService } from './modules/developers/index.js';
import { MODES, type Mode } from './platform/db/database.js';
import { InvalidationBus } from './platform/db/invalidation.js';
import { ulidIds } from './platform/crypto/ids.js';
import type { KeyType } from './platform/crypto/keys.js';
import { openRuntime, type Runtime } from './runtime.js';
import { catalogCategories } from './composition.js';
import { createCatalogModule } from './modules/catalog/index.js';
import { createModelsService, evaluateCommand } from './modules/personalization/index.js';
import { jobContext, type ModuleDeps } from './platform/http/module.js';
import { createLogger } from './platform/observability/logger.js';
import { Metrics } from './platform/observability/metrics.js';

type Values = { products?: string; env?: string; type?: string; scopes?: string; name?: string; build?: boolean };

function envOf(value: string | undefined): Mode {
  const env = value ?? 'test';
  if (!(MODES as readonly string[]).includes(env)) throw new ConfigError(`--env must be live or test, got "${env}"`);
  return env as Mode;
}

/**
 * `recommendations evaluate`: the offline metrics of the newest recommendation model of `env`;
 * builds one (not activated) when there is none, or with `--build`.
 */
async function evaluateRecommendations(config: Config, runtime: Runtime, env: Mode, build: boolean): Promise<void> {
  const deps: ModuleDeps = { config, db: runtime.db, bus: new InvalidationBus(runtime.url), ids: ulidIds(), now: () => new Date(), metrics: new Metrics(), logger: createLogger('warn') };
  const catalog = createCatalogModule(deps, { sellers: { isSuspended: async () => false } });
  const models = createModelsService(deps, { catalog: catalogCategories(catalog) });
  await evaluateCommand(jobContext(deps, env), models, { build }, (line) => console.log(line));
}

/** `migrate`, `seed`, `keys` and `recommendations`: one-shot commands against the same database `serve` uses. */
export async function runCommand(config: Config, command: string, sub: string | undefined, values: Values): Promise<void> {
  const runtime = await openRuntime(config);
  try {
    if (command === 'migrate') {
      console.log('Both environments are migrated and current.');
      return;
    }
    if (command === 'seed') {
      const products = Number(values.products ?? 10_000);
      if (!Number.isInteger(products) || products < 1) throw new ConfigError('--products must be a positive integer');
      const env = envOf(values.env);
      const result = await runtime.db.forEnv(env).transaction((tx) => seedDemoStore(tx, { products }));
      console.log(`Seeded ${env} mode: ${result.products} products, ${result.variants} variants, ${result.categories} categories.`);
      return;
    }
    if (command === 'recommendations') {
      if (sub !== 'evaluate') throw new ConfigError('Usage: tessera recommendations evaluate [--env test|live] [--build]');
      await evaluateRecommendations(config, runtime, envOf(values.env), values.build === true);
      return;
    }
    const keys = new KeysService(runtime.db, new InvalidationBus(runtime.url));
    const env = envOf(values.env);
    if (sub === 'create') {
      const type = (values.type ?? 'secret') as KeyType;
      if (!['secret', 'publishable', 'restricted'].includes(type)) throw new ConfigError('--type must be secret, publishable or restricted');
      const scopes = values.scopes ? values.scopes.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      const created = await keys.create(env, ulidIds(), { type, scopes, name: values.name ?? null });
      console.log(`${created.id}  ${created.type}  ${env}  scopes: ${created.scopes.join(' ')}`);
      console.log(created.secret);
      console.error('This is the only time the key is shown. Store it now.');
      return;
    }
    if (sub === 'list') {
      let after: string | undefined;
      for (;;) {
        const page = await keys.list(env, after, 100);
        for (const k of page.data) console.log(`${k.id}  ${k.type.padEnd(11)}  ${k.redacted}  ${k.revoked_at ? 'revoked' : 'active '}  ${k.scopes.join(' ')}  ${k.name ?? ''}`);
        if (!page.next_cursor) break;
        after = page.next_cursor;
      }
      return;
    }
    throw new ConfigError('Usage: tessera keys create|list [--env test|live] …');
  } finally {
    await runtime.close();
  }
}
