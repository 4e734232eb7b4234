#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './platform/db/lock.js';

const USAGE = `Usage: tessera [command] [options]

Commands:
  serve                      the HTTP API with in-process background jobs (default)
  worker                     background jobs only
  migrate                    bring both environments' schemas up to date
  seed --products N [--env test|live]
                             grow the deterministic demo catalog to N products (default 10000,
                             test mode); products already there are kept as they are
  keys create --env test|live --type secret|publishable|restricted [--scopes a,b] [--name NAME]
                             create an API key; it is printed once
  keys list [--env test|live]
                             list API keys (never the keys themselves)
  recommendations evaluate [--env test|live] [--build]
                             print the offline metrics (precision@10, recall@10, against
                             popularity) of the newest recommendation model; builds one if none
  emulators [--simpay-port N] [--altpay-port N]
                             run the simpay and altpay payment processor emulators standalone
                             and print their URLs and keys (TESSERA_SIMPAY_URL/_KEY, …)

Environment: PORT, HOST, DATABASE_URL, TESSERA_DATA_DIR, TESSERA_ADMIN_KEY, METRICS_PORT, REDIS_URL,
LOG_LEVEL, OTEL_* (see README.md).`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      products: { type: 'string' },
      env: { type: 'string' },
      type: { type: 'string' },
      scopes: { type: 'string' },
      name: { type: 'string' },
      build: { type: 'boolean' },
      'simpay-port': { type: 'string' },
      'altpay-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  const [command = 'serve', sub] = positionals;
  switch (command) {
    case 'serve':
      return (await import('./server.js')).serve(config);
    case 'worker':
      return (await import('./server.js')).worker(config);
    case 'migrate':
    case 'seed':
    case 'keys':
    case 'recommendations':
      return (await import('./cli.js')).runCommand(config, command, sub, values);
    case 'emulators': {
      const port = (v: string | undefined) => (v === undefined ? undefined : Number(v));
      await (await import('./modules/payments/index.js')).runEmulatorsCommand({ host: config.host, simpayPort: port(values['simpay-port']), altpayPort: port(values['altpay-port']) });
      return;
    }
    default:
      throw new ConfigError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DataDirLockedError) {
    console.error(`tessera: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
