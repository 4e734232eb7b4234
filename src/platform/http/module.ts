import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Database, Environment } from '../db/database.js';
import type { InvalidationBus } from '../db/invalidation.js';
import type { IdGenerator } from '../crypto/ids.js';
import type { Metrics } from '../observability/metrics.js';
import type { ServiceContext } from './context.js';
import { AppError, Errors } from './errors.js';

/** What the composition root hands every module. */
export interface ModuleDeps {
  config: Config;
  db: Database;
  bus: InvalidationBus;
  ids: IdGenerator;
  now: () => Date;
  metrics: Metrics;
  logger: Logger;
}

/** The ServiceContext of an authenticated request: its credential's environment, actor and request id. */
export function serviceContext(request: FastifyRequest, deps: Pick<ModuleDeps, 'db' | 'ids' | 'now'>): ServiceContext {
  const credential = request.ctx.credential;
  if (!credential) throw new AppError(Errors.authenticationRequired, 'This route needs an API key.');
  return { env: credential.env, db: deps.db.forEnv(credential.env), actor: credential, requestId: request.id, idempotencyKey: request.ctx.idempotencyKey, now: deps.now, ids: deps.ids };
}

/**
 * The ServiceContext of a background job in one environment: no actor, a `job_…` request id.
 * @example for (const env of ENVIRONMENTS) await purge(jobContext(deps, env));
 */
export function jobContext(deps: Pick<ModuleDeps, 'db' | 'ids' | 'now'>, env: Environment): ServiceContext {
  return { env, db: deps.db.forEnv(env), actor: null, requestId: deps.ids('job'), now: deps.now, ids: deps.ids };
}
