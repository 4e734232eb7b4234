import type { Config } from './config.js';
import { ConfigError } from './config.js';
import { seedDemoStore } from './seed.js';
import { KeysService } from './modules/developers/index.js';
import { ENVIRONMENTS, type Environment } from './platform/db/database.js';
import { InvalidationBus } from './platform/db/invalidation.js';
import { ulidIds } from './platform/crypto/ids.js';
import type { KeyType } from './platform/crypto/keys.js';
import { openRuntime } from './runtime.js';

type Values = { products?: string; env?: string; type?: string; scopes?: string; name?: string };

function envOf(value: string | undefined): Environment {
  const env = value ?? 'test';
  if (!(ENVIRONMENTS as readonly string[]).includes(env)) throw new ConfigError(`--env must be live or test, got "${env}"`);
  return env as Environment;
}

/** `migrate`, `seed` and `keys`: one-shot commands against the same database `serve` uses. */
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
