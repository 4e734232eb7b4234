import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics.js';
import { summarizeMetrics } from '../observability/summary.js';
import { AppError, Errors } from './errors.js';
import { Nullable, Timestamp } from './schemas.js';

const Ratio = Type.Number({ minimum: 0, maximum: 1 });
const Millis = Nullable(Type.Number({ minimum: 0 }), { description: 'Milliseconds; null before the route has served a request.' });

const RouteMetrics = Type.Object(
  {
    method: Type.String(),
    route: Type.String({ description: 'The route template (`/v1/orders/:id`); `unmatched` for requests no route matched.' }),
    requests: Type.Integer({ minimum: 0 }),
    client_errors: Type.Integer({ minimum: 0, description: '4xx responses.' }),
    server_errors: Type.Integer({ minimum: 0, description: '5xx responses.' }),
    client_error_rate: Ratio,
    server_error_rate: Ratio,
    latency_ms: Type.Object({ p50: Millis, p95: Millis, p99: Millis }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

const CacheMetrics = Type.Object(
  {
    cache: Type.String(),
    hits: Type.Integer({ minimum: 0 }),
    misses: Type.Integer({ minimum: 0 }),
    hit_ratio: Nullable(Ratio, { description: 'hits / (hits + misses); null before the first lookup.' }),
  },
  { additionalProperties: false },
);

export const MetricsSummarySchema = Type.Object(
  {
    object: Type.Literal('metrics_summary'),
    generated_at: Timestamp,
    uptime_seconds: Type.Integer({ minimum: 0 }),
    routes: Type.Array(RouteMetrics, { description: 'Per method and route template, busiest first.' }),
    webhooks: Type.Object(
      {
        attempts: Type.Integer({ minimum: 0 }),
        failed_attempts: Type.Integer({ minimum: 0 }),
        failure_ratio: Nullable(Ratio, { description: 'failed_attempts / attempts; null before the first attempt.' }),
      },
      { additionalProperties: false },
    ),
    caches: Type.Array(CacheMetrics, { description: 'Each in-process cache, by name.' }),
  },
  { $id: 'MetricsSummary', additionalProperties: false },
);

/**
 * `GET /v1/metrics/summary`: the serving instance's own Prometheus metrics, summed up for the
 * operators' dashboard. Operators only: partner access tokens are refused whatever their scopes.
 */
export function metricsSummaryRoutes(root: FastifyInstance, metrics: Metrics, now: () => Date): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(MetricsSummarySchema); // on the root, so the document and the SDK name it
  app.get(
    '/v1/metrics/summary',
    {
      config: { auth: { scopes: ['metrics:read'] } },
      schema: {
        tags: ['Metrics'],
        summary: "This instance's request, webhook and cache metrics (operators)",
        description:
          'Read from the serving process\'s own metrics registry, counted since it started: another instance behind the same load balancer answers with its own (aggregate them in Prometheus). ' +
          'Per route: requests, 4xx and 5xx counts and rates, and p50/p95/p99 latency estimated from the request-duration histogram as PromQL\'s `histogram_quantile` does ' +
          '(linear interpolation inside the bucket holding the quantile; a quantile beyond the last finite bucket, 10 s, reads as 10 s). ' +
          'Also the ratio of failed webhook delivery attempts and each in-process cache\'s hit ratio.',
        response: { 200: Type.Ref(MetricsSummarySchema) },
      },
    },
    async (request, reply) => {
      if (request.ctx.credential?.partnerId) throw new AppError(Errors.insufficientScope, 'Instance metrics are for operators: partner credentials cannot read them.');
      void reply.header('cache-control', 'no-store');
      return summarizeMetrics(metrics, now());
    },
  );
}
