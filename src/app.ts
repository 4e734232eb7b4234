import { dashboardRoutes } from './dashboard.js';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { apiGuide } from './docs/guide.js';
import { MIGRATIONS } from './migrations.js';
import { createModules } from './composition.js';
import { openProcessorDirectory, type ProcessorDirectory } from './modules/payments/index.js';
import type { Database } from './platform/db/database.js';
import type { InvalidationBus } from './platform/db/invalidation.js';
import { pendingMigrations } from './platform/db/migrate.js';
import { fastUlid, ulidIds, type IdGenerator } from './platform/crypto/ids.js';
import { errorCatalog, Problem } from './platform/http/errors.js';
import { healthRoutes } from './platform/http/health.js';
import { Idempotency } from './platform/http/idempotency.js';
import { metricsSummaryRoutes } from './platform/http/metrics-summary.js';
import type { ModuleDeps } from './platform/http/module.js';
import { installPlatform, type RouteRecord } from './platform/http/platform.js';
import { RateLimiter } from './platform/http/ratelimit.js';
import { buildSharedSerializer } from './platform/http/serialization.js';
import { validatorCompiler } from './platform/http/validation.js';
import { changelog } from './platform/http/version-changes/index.js';
import { LATEST_VERSION, VersionCatalog, versionCatalog, VERSIONING_POLICY } from './platform/http/versioning.js';
import type { Metrics } from './platform/observability/metrics.js';

export interface AppDeps {
  config: Config;
  db: Database;
  bus: InvalidationBus;
  logger: Logger;
  /** Logger of the per-request line; defaults to `logger`. */
  requestLogger?: Logger;
  metrics: Metrics;
  ids?: IdGenerator;
  now?: () => Date;
  /** Payment processors per environment; when absent, buildApp starts in-process emulators and closes them with the app. */
  processors?: ProcessorDirectory;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds the whole HTTP app, platform first, then modules. It never listens: `server.ts` does, and
 * tests use `inject`.
 */
export async function buildApp(deps: AppDeps) {
  const { config, logger } = deps;
  const app: FastifyInstance = Fastify({
    logger: false, // the platform logs one line per request itself (platform.ts)
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : `req_${fastUlid()}`;
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    return503OnClosing: true,
    schemaController: { compilersFactory: { buildSerializer: buildSharedSerializer } },
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  const rateLimiter = await RateLimiter.create(config.rateLimit.quota, config.rateLimit.windowSeconds, config.redisUrl);
  const idempotency = new Idempotency(deps.db, config.idempotencyRetentionHours);
  const moduleDeps: ModuleDeps = { config, db: deps.db, bus: deps.bus, ids: deps.ids ?? ulidIds(), now: deps.now ?? (() => new Date()), metrics: deps.metrics, logger };
  const processors = deps.processors ?? (await openProcessorDirectory(config.payments));
  const modules = createModules(moduleDeps, processors);
  const { developers } = modules;

  const routes: RouteRecord[] = installPlatform(app, {
    config,
    logger,
    requestLogger: deps.requestLogger,
    metrics: deps.metrics,
    resolveCredential: (token, partner) => developers.authenticate(token, partner),
    rateLimiter,
    idempotency,
    metering: modules.billing.metering,
  });
  app.addHook('onClose', () => rateLimiter.close());
  if (!deps.processors) app.addHook('onClose', () => processors.close());
  app.addHook('onClose', () => modules.carts.latency.stop());
  app.addHook('onClose', async () => modules.nats?.close());
  // exposures still queued are written before the database closes (#7)
  app.addHook('onClose', () => modules.experiments.exposures.flush());

  app.addSchema(Problem);
  for (const schema of modules.schemas) app.addSchema(schema);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tessera API',
        version: LATEST_VERSION,
        description: apiGuide(config), // the guide at the top of /docs: src/docs/guide.md
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: '/', description: 'The server that serves this document' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'sk_… secret, pk_… publishable or rk_… restricted key, or a partner\'s OAuth access token (a JWT from POST /oauth/token)' },
          oauthClient: { type: 'http', scheme: 'basic', description: 'A partner\'s OAuth client_id:client_secret, at POST /oauth/token only' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  // The docs UI is a public context of its own: its routes are declared public here, not exempted by URL.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, auth: { public: true }, rateLimit: false };
    });
    await docs.register(fastifySwaggerUi, { routePrefix: '/docs' });
  });

  await dashboardRoutes(app);

  app.get('/openapi.json', { config: { auth: { public: true } }, schema: { hide: true } }, () => app.swagger());
  app.get('/problems', { config: { auth: { public: true } }, schema: { hide: true } }, () => ({ object: 'list', data: errorCatalog() }));
  const versions = versionCatalog(changelog());
  app.get(
    '/versions',
    { config: { auth: { public: true } }, schema: { tags: ['Versions'], summary: 'List API versions', description: VERSIONING_POLICY, response: { 200: VersionCatalog } } },
    () => versions,
  );

  let migrationsCurrent = false;
  await app.register(
    healthRoutes(async () => {
      await deps.db.ping();
      if (!migrationsCurrent) {
        const pending = await pendingMigrations(deps.db.admin, MIGRATIONS);
        if (pending.length) return `${pending.length} migrations pending, first ${pending[0]}`;
        migrationsCurrent = true;
      }
      return null;
    }),
  );

  metricsSummaryRoutes(app, deps.metrics, moduleDeps.now);

  for (const routes of modules.routes) await app.register(routes);
  await app.ready();
  return { app, routes, modules, idempotency };
}

export type App = Awaited<ReturnType<typeof buildApp>>;
