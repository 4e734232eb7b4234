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
  const campaign = campaignHeader(request.headers['tessera-campaign']);
  return {
    env: credential.env,
    db: deps.db.forEnv(credential.env),
    actor: credential,
    requestId: request.id,
    idempotencyKey: request.ctx.idempotencyKey,
    traceparent: request.ctx.trace.traceparent,
    ...(campaign ? { campaign } : {}),
    now: deps.now,
    ids: deps.ids,
  };
}

const LABEL = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * Parses `Tessera-Campaign`: a bare value is the `utm_campaign`; `utm_source=news; utm_campaign=spring`
 * gives each pair. Keys are lower-case identifiers; values are trimmed to 200 characters.
 * Malformed pairs are ignored: the header labels analytics and never fails a request.
 */
export function campaignHeader(value: string | string[] | undefined): Record<string, string> | undefined {
  const raw = Array.isArray(value) ? value.join(';') : value;
  if (!raw?.trim()) return undefined;
  const out: Record<string, string> = {};
  if (!raw.includes('=')) out.utm_campaign = raw.trim().slice(0, 200);
  else {
    for (const part of raw.split(';')) {
      const i = part.indexOf('=');
      const key = part.slice(0, i).trim().toLowerCase();
      const val = part.slice(i + 1).trim();
      if (i > 0 && LABEL.test(key) && val) out[key] = val.slice(0, 200);
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * The ServiceContext of a background job in one environment: no actor, a `job_…` request id.
 * @example for (const env of ENVIRONMENTS) await purge(jobContext(deps, env));
 */
export function jobContext(deps: Pick<ModuleDeps, 'db' | 'ids' | 'now'>, env: Environment): ServiceContext {
  return { env, db: deps.db.forEnv(env), actor: null, requestId: deps.ids('job'), now: deps.now, ids: deps.ids };
}
