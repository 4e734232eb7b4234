import type {} from '@fastify/swagger'; // its FastifySchema fields: hide, security, description
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { scrub } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { endRequestTrace, runInTrace, startRequestTrace } from '../observability/tracing.js';
import { authorize, type CredentialResolver } from './auth.js';
import { applyCacheHeaders, cacheControl, finishCacheable } from './caching.js';
import type { RequestContext, RouteAuth } from './context.js';
import { AppError, Errors, toProblem } from './errors.js';
import { parseFields, selectInBody } from './fields.js';
import { parseIdempotencyKey, type Idempotency } from './idempotency.js';
import type { Metering } from './metering.js';
import { RateLimiter } from './ratelimit.js';
import { fieldErrors } from './validation.js';
import { simulateFailure } from './simulate.js';
import { downgradeBody } from './version-changes/index.js';
import { DEPRECATED_ROUTES, deprecationHeaders, LATEST_VERSION, requestedVersion, resolveVersion } from './versioning.js';

const hasDeprecatedRoutes = Object.keys(DEPRECATED_ROUTES).length > 0;

export interface PlatformDeps {
  config: Config;
  logger: Logger;
  /** The per-request line's logger (see createRequestLogger); defaults to `logger`. */
  requestLogger?: Logger;
  metrics: Metrics;
  resolveCredential: CredentialResolver;
  rateLimiter: RateLimiter;
  idempotency: Idempotency;
  /** Usage metering and the request log of partner calls (the billing module); none: nothing is metered. */
  metering?: Metering;
}

/** The statuses every route may answer with a problem, besides its own successes. */
const PROBLEM_STATUSES = [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503, 504] as const;

const PROBLEM_RESPONSE = { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } } };

/** A route as registered, for the scope-declaration test and the docs. */
export interface RouteRecord {
  method: string;
  url: string;
  options: RouteOptions;
}

const CLIENT_ERRORS: Record<string, AppError['spec']> = {
  FST_ERR_CTP_INVALID_JSON_BODY: Errors.malformedRequest,
  FST_ERR_CTP_EMPTY_JSON_BODY: Errors.malformedRequest,
  FST_ERR_CTP_BODY_TOO_LARGE: Errors.payloadTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: Errors.unsupportedMediaType,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: Errors.malformedRequest,
};

/** Maps anything thrown to an AppError; unknown errors become an opaque 500. */
export function toAppError(err: FastifyError | AppError | Error): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError;
  if (fe.validation) {
    const errors = fieldErrors(fe.validation, fe.validationContext);
    return new AppError(Errors.validationFailed, errors.map((e) => e.detail).join(' '), errors);
  }
  const known = fe.code ? CLIENT_ERRORS[fe.code] : undefined;
  if (known) return new AppError(known, fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'The request body is not valid JSON.' : fe.message);
  if (err instanceof SyntaxError && fe.statusCode === 400) return new AppError(Errors.malformedRequest, 'The request body is not valid JSON.');
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new AppError(Errors.malformedRequest, fe.message);
  return new AppError(Errors.internal, 'An unexpected error occurred. Quote the request_id when you report it.');
}

function isJson(reply: FastifyReply): boolean {
  const type = reply.getHeader('content-type');
  return typeof type === 'string' && type.startsWith('application/json');
}

/** A stable, unique operationId from method and path: GET /v1/products/:id → getV1ProductsById. */
function operationId(method: string, url: string): string {
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  const words = url.split('/').flatMap((seg) => {
    const parts = seg.replace(/^:/, '').split(/[^A-Za-z0-9]+/).filter(Boolean).map(cap);
    return seg.startsWith(':') ? ['By', ...parts] : parts;
  });
  return [method.toLowerCase(), ...words].join('');
}

function routeTemplate(request: FastifyRequest): string {
  return request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
}

/**
 * Installs the HTTP platform on the root instance, so it applies to every module's routes:
 * request ids and traces, versions, central auth and scope checks, rate limits, idempotency,
 * field selection, ETag/304, problem responses, one log line and one metric per request.
 */
export function installPlatform(app: FastifyInstance, deps: PlatformDeps): RouteRecord[] {
  const { config, logger, metrics } = deps;
  const requestLogger = deps.requestLogger ?? logger;
  const routes: RouteRecord[] = [];

  app.decorateRequest('ctx', null as unknown as RequestContext);
  // The Cache-Control value of each configured segment, formatted once rather than on every read.
  const cacheControlBySegment = new Map(Object.entries(config.cacheTtls).map(([segment, ttl]) => [segment, cacheControl(ttl)]));
  const defaultCacheControl = cacheControl(config.cacheTtls.default);
  app.decorateReply('cacheable', function (this: FastifyReply, segment: string | undefined, surrogateKeys: readonly string[]) {
    applyCacheHeaders(this, (segment !== undefined ? cacheControlBySegment.get(segment) : undefined) ?? defaultCacheControl, surrogateKeys);
    this.request.ctx.cacheable = { segment, surrogateKeys };
    return this;
  });

  const idempotencyStep = async (request: FastifyRequest, reply: FastifyReply) => {
    const required = (request.routeOptions.config as { idempotency?: string }).idempotency === 'required';
    if (await deps.idempotency.begin(request, reply, required)) return reply;
  };

  app.addHook('onRoute', (options) => {
    routes.push({ method: String(options.method), url: options.url, options });
    // Idempotency-Key applies to POSTs only, after validation: attached to those routes alone.
    if ([options.method].flat().includes('POST')) {
      const existing = options.preHandler ? [options.preHandler].flat() : [];
      options.preHandler = [idempotencyStep, ...existing];
    }
    const schema = options.schema;
    if (!schema || schema.hide) return;
    const response = (schema.response ?? {}) as Record<string, unknown>;
    // Problems are served as application/problem+json (the error handler below): declared so,
    // for the shared statuses and for a route's own `{ $ref: 'Problem#' }` ones (402, 410, 502…).
    for (const [status, declared] of Object.entries(response)) if ((declared as { $ref?: unknown }).$ref === 'Problem#') response[status] = PROBLEM_RESPONSE;
    for (const status of PROBLEM_STATUSES) response[status] ??= PROBLEM_RESPONSE;
    schema.response = response;
    const auth = options.config?.auth;
    if (auth && 'scopes' in auth) {
      schema.security = [{ apiKey: [...auth.scopes] }];
      schema.description = `${schema.description ?? ''}\n\nScopes: ${auth.scopes.map((s) => `\`${s}\``).join(', ')}`.trim();
    } else if (auth && 'public' in auth) schema.security ??= []; // needs no credential (unless the route names its own scheme: HTTP Basic at /oauth/token)
    schema.operationId ??= operationId(String([options.method].flat()[0]), options.url);
    // a query parameter with a default is optional to the caller (Ajv fills the default in), and
    // the document says so: `?limit=` need not be sent
    const query = schema.querystring as { properties?: Record<string, { default?: unknown }>; required?: string[] } | undefined;
    if (query?.required && query.properties) {
      const withDefault = new Set(Object.entries(query.properties).flatMap(([name, p]) => (p.default !== undefined ? [name] : [])));
      if (withDefault.size) schema.querystring = { ...query, required: query.required.filter((name) => !withDefault.has(name)) };
    }
  });

  /** Sets the version serving the request, with its header and any deprecation headers. */
  function serveVersion(request: FastifyRequest, reply: FastifyReply, version: string): void {
    request.ctx.version = version;
    const deprecation = deprecationHeaders(version, request.is404 || !hasDeprecatedRoutes ? null : `${request.method} ${routeTemplate(request)}`);
    void reply.header('tessera-version', version).headers(deprecation);
    if (!('deprecation' in deprecation) && reply.hasHeader('deprecation')) void reply.removeHeader('deprecation').removeHeader('sunset').removeHeader('link');
  }

  /**
   * Version, authentication and scopes, simulated failures, then the rate limit: everything a request
   * must pass. An unknown `Tessera-Version` is refused first; without the header, the version pinned
   * on the credential serves, so it is settled once authentication knows the credential (errors too).
   */
  async function admit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers['tessera-version'];
    let requested: string | undefined;
    try {
      requested = requestedVersion(header);
    } finally {
      serveVersion(request, reply, requested ?? LATEST_VERSION); // an unknown version's 400 is the current version's
    }
    if (request.is404) return;
    const routeConfig = request.routeOptions.config as { auth?: RouteAuth; rateLimit?: boolean; meter?: string };
    if (!routeConfig.auth) throw new Error(`route ${routeTemplate(request)} declares no auth`); // fail closed
    try {
      await authorize(request, routeConfig.auth, deps.resolveCredential);
    } finally {
      const pinned = request.ctx.credential?.apiVersion;
      if (pinned && pinned !== request.ctx.version) {
        const version = resolveVersion(header, pinned);
        if (version !== request.ctx.version) serveVersion(request, reply, version);
      }
    }
    await simulateFailure(request, config.simulateTimeoutMs);
    if (routeConfig.rateLimit !== false) {
      const decision = await deps.rateLimiter.consume(request.ctx.credential?.id ?? `ip:${request.ip}`);
      void reply.headers(decision.headers);
      if (!decision.allowed) throw RateLimiter.refusal(decision);
    }
    await meter(request, routeConfig.meter);
  }

  /** Counts a partner's call before its handler runs (one statement; it may refuse the call at a hard cap). */
  async function meter(request: FastifyRequest, routeMeter: string | undefined): Promise<void> {
    const credential = request.ctx.credential;
    if (!deps.metering || !credential?.partnerId) return;
    let idempotencyKey: string | null = null;
    if (request.method === 'POST') {
      try {
        idempotencyKey = parseIdempotencyKey(request.headers['idempotency-key']);
      } catch {
        idempotencyKey = null; // the idempotency step answers 400 for it; the call still counts
      }
    }
    await deps.metering.meter({ credential: { ...credential, partnerId: credential.partnerId }, method: request.method, route: routeTemplate(request), meter: routeMeter, idempotencyKey, requestId: request.id });
  }

  // One hook, callback style: the rest of the request runs inside the trace's context, and a
  // request costs one hook iteration instead of two (this is the hot path of every read).
  app.addHook('onRequest', (request, reply, done) => {
    const trace = startRequestTrace(request.headers, request.method);
    request.ctx = { requestId: request.id, trace, version: LATEST_VERSION, credential: null, startedAt: process.hrtime.bigint(), cacheable: null, idempotencyKey: null };
    void reply.header('x-request-id', request.id);
    runInTrace(trace, () => {
      admit(request, reply).then(() => done(), done);
    });
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    let body = payload;
    let changed = false;
    // An older version: undo the newer versions' changes (before the ETag, so each version has its own).
    if (request.ctx && request.ctx.version !== LATEST_VERSION && reply.statusCode < 300 && typeof body === 'string' && isJson(reply)) {
      body = downgradeBody(body, request.ctx.version, `${request.method} ${routeTemplate(request)}`);
      changed = body !== payload;
    }
    if (request.method === 'GET' && reply.statusCode === 200 && typeof body === 'string') {
      const fields = parseFields((request.query as { fields?: unknown } | undefined)?.fields);
      if (fields) {
        body = JSON.stringify(selectInBody(JSON.parse(body), fields));
        changed = true;
      }
    }
    if (request.ctx?.cacheable) body = finishCacheable(request, reply, body, changed);
    if (!deps.idempotency.claimed(request)) return done(null, body);
    deps.idempotency.complete(request, reply, body).then(() => done(null, body), done);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const ctx = request.ctx;
    const route = routeTemplate(request);
    const status = reply.statusCode;
    const seconds = ctx ? Number(process.hrtime.bigint() - ctx.startedAt) / 1e9 : 0;
    metrics.observeRequest(request.method, route, status, seconds);
    if (ctx) endRequestTrace(ctx.trace, request.method, route, status);
    const partnerId = ctx?.credential?.partnerId;
    if (deps.metering && ctx?.credential && partnerId) {
      const idempotencyKey = ctx.idempotencyKey ?? (request.method === 'POST' && typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'].slice(0, 255) : null);
      deps.metering.log({ credential: { ...ctx.credential, partnerId }, method: request.method, route, status, latencyMs: Math.round(seconds * 1e6) / 1e3, requestId: request.id, idempotencyKey, at: new Date() });
    }
    requestLogger.info(
      {
        request_id: request.id,
        trace_id: ctx?.trace.traceId,
        method: request.method,
        route,
        status,
        duration_ms: Math.round(seconds * 1e6) / 1e3,
        credential_id: ctx?.credential?.id,
        idempotency_key: ctx?.idempotencyKey ? scrub(ctx.idempotencyKey) : undefined,
      },
      'request',
    );
    done();
  });

  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    const appErr = toAppError(err);
    if (appErr.status >= 500) logger.error({ err, request_id: request.id, route: routeTemplate(request) }, 'request failed');
    metrics.errors.inc({ code: appErr.code, status: appErr.status });
    return reply
      .code(appErr.status)
      .headers(appErr.headers)
      .header('cache-control', 'no-store')
      .type('application/problem+json')
      .send(toProblem(appErr, request.id));
  });

  app.setNotFoundHandler((request) => {
    throw new AppError(Errors.routeNotFound, `No route matches ${request.method} ${request.url.split('?')[0]}.`);
  });

  return routes;
}
