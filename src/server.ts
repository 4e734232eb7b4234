import type { Config } from './config.js';
import { openRuntime } from './runtime.js';
import { InvalidationBus } from './platform/db/invalidation.js';
import { ulidIds } from './platform/crypto/ids.js';
import { Scheduler } from './platform/jobs/scheduler.js';
import { Idempotency } from './platform/http/idempotency.js';
import { scheduleJobs, startEventProcessing } from './jobs.js';
import { createLogger, createRequestLogger, stdoutDestination } from './platform/observability/logger.js';
import { Metrics, serveMetrics } from './platform/observability/metrics.js';
import { initTracing, shutdownTracing } from './platform/observability/tracing.js';


function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      stop().then(
        () => process.exit(0),
        (err: unknown) => {
          console.error('tessera: shutdown failed:', err);
          process.exit(1);
        },
      );
    });
  }
}

/** `tessera serve`: the API, the metrics port and the background jobs in one process. */
export async function serve(config: Config): Promise<void> {
  await initTracing();
  const stdout = stdoutDestination();
  const logger = createLogger(config.logLevel, stdout);
  const requestLogger = createRequestLogger(config.logLevel, stdout);
  const started = Date.now();
  // PostgreSQL starts in its own process while this one loads the app's modules.
  const [runtime, { buildApp }, { bootstrap }] = await Promise.all([
    openRuntime(config, (line) => logger.debug({ postgres: line.trim() }, 'embedded postgres')),
    import('./app.js'),
    import('./bootstrap.js'),
  ]);
  const bus = new InvalidationBus(runtime.url);
  await bus.start();
  const metrics = new Metrics();
  const ids = ulidIds();
  const built = await buildApp({ config, db: runtime.db, bus, logger, requestLogger, metrics, ids });
  const { app, idempotency } = built;
  await bootstrap(config, runtime.db, built, ids, (line) => process.stdout.write(`${line}\n`));
  await app.listen({ port: config.port, host: config.host });
  const metricsServer = config.metricsPort >= 0 ? await serveMetrics(metrics, config.metricsPort, config.host) : undefined;
  const scheduler = new Scheduler(runtime.db, logger);
  scheduleJobs(scheduler, { db: runtime.db, ids, logger, idempotency, modules: built.modules, eventRetentionDays: config.events.retentionDays });
  const stopEvents = startEventProcessing(built.modules);
  logger.info(
    { url: `http://${config.host}:${config.port}`, metrics_port: metricsServer?.port, database: runtime.embedded ? 'embedded' : 'external', startup_ms: Date.now() - started },
    'tessera listening',
  );
  onSignals(async () => {
    logger.info('shutting down');
    await scheduler.stop();
    await app.close();
    await stopEvents();
    await metricsServer?.close();
    await bus.close();
    await runtime.close();
    await shutdownTracing();
  });
}

/** `tessera worker`: background jobs only, no HTTP API. */
export async function worker(config: Config): Promise<void> {
  await initTracing();
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config);
  const [{ createModules }, { openProcessorDirectory }] = await Promise.all([import('./composition.js'), import('./modules/payments/index.js')]);
  const bus = new InvalidationBus(runtime.url);
  await bus.start();
  const ids = ulidIds();
  const processors = await openProcessorDirectory(config.payments);
  const modules = createModules({ config, db: runtime.db, bus, ids, now: () => new Date(), metrics: new Metrics(), logger }, processors);
  const scheduler = new Scheduler(runtime.db, logger);
  scheduleJobs(scheduler, { db: runtime.db, ids, logger, idempotency: new Idempotency(runtime.db, config.idempotencyRetentionHours), modules, eventRetentionDays: config.events.retentionDays });
  const stopEvents = startEventProcessing(modules);
  logger.info({ database: runtime.embedded ? 'embedded' : 'external' }, 'tessera worker running');
  onSignals(async () => {
    await scheduler.stop();
    await stopEvents();
    await processors.close();
    await bus.close();
    await runtime.close();
    await shutdownTracing();
  });
}
