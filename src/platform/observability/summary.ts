import type { Registry } from 'prom-client';
import type { Metrics } from './metrics.js';

/** One cumulative histogram bucket: observations `<= le` (the last one is `le: Infinity`). */
export interface Bucket {
  le: number;
  count: number;
}

/**
 * The `q`-quantile of a cumulative histogram, estimated the way PromQL's `histogram_quantile`
 * does: find the bucket holding the rank `q × count`, then interpolate linearly inside it, as if
 * its observations were spread evenly between its lower and upper bound (the first bucket starts
 * at 0 when its upper bound is positive). A rank in the `+Inf` bucket answers the highest finite
 * upper bound, since the real value is unknown. NaN without observations, without a `+Inf`
 * bucket or with fewer than two buckets; -Inf/+Inf for `q` below 0/above 1, as PromQL answers.
 * @example histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: 2, count: 10 }, { le: Infinity, count: 10 }]) // 1.5
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const last = sorted[sorted.length - 1];
  if (sorted.length < 2 || !last || last.le !== Infinity) return NaN;
  // counts are cumulative, so they never fall (PromQL repairs small float drift the same way)
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.count < sorted[i - 1]!.count) sorted[i] = { ...sorted[i]!, count: sorted[i - 1]!.count };
  const observations = last.count;
  if (observations === 0) return NaN;
  const rank = q * observations;
  const b = sorted.findIndex((bucket) => bucket.count >= rank);
  if (b === sorted.length - 1) return sorted[sorted.length - 2]!.le;
  const bucket = sorted[b]!;
  if (b === 0 && bucket.le <= 0) return bucket.le;
  const below = b === 0 ? { le: 0, count: 0 } : sorted[b - 1]!;
  const inBucket = bucket.count - below.count;
  if (inBucket === 0) return bucket.le;
  return below.le + (bucket.le - below.le) * ((rank - below.count) / inBucket);
}

export interface RouteSummary {
  method: string;
  route: string;
  requests: number;
  client_errors: number;
  server_errors: number;
  client_error_rate: number;
  server_error_rate: number;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
}

export interface CacheSummary {
  cache: string;
  hits: number;
  misses: number;
  hit_ratio: number | null;
}

export interface MetricsSummary {
  object: 'metrics_summary';
  generated_at: string;
  uptime_seconds: number;
  routes: RouteSummary[];
  webhooks: { attempts: number; failed_attempts: number; failure_ratio: number | null };
  caches: CacheSummary[];
}

/** The webhook attempts counter, which the webhooks module registers (by name: the platform knows no module). */
const WEBHOOK_ATTEMPTS = 'tessera_webhook_attempts_total';

type Labels = Record<string, string | number | undefined>;
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

async function samples(registry: Registry, name: string): Promise<Sample[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  return (await metric.get()).values;
}

const ms = (seconds: number) => (Number.isFinite(seconds) ? Math.round(seconds * 1e6) / 1e3 : null);
const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

/** Per method and route template: requests, 4xx and 5xx counts and rates, and p50/p95/p99 latency from the histogram buckets. */
async function routeSummaries(metrics: Metrics): Promise<RouteSummary[]> {
  const byRoute = new Map<string, { method: string; route: string; requests: number; client: number; server: number; buckets: Map<number, number> }>();
  for (const s of (await metrics.httpDuration.get()).values as Sample[]) {
    const method = String(s.labels.http_request_method ?? '');
    const route = String(s.labels.http_route ?? '');
    const key = `${method} ${route}`;
    let r = byRoute.get(key);
    if (!r) byRoute.set(key, (r = { method, route, requests: 0, client: 0, server: 0, buckets: new Map() }));
    const status = Number(s.labels.http_response_status_code);
    if (s.metricName?.endsWith('_count')) {
      r.requests += s.value;
      if (status >= 500) r.server += s.value;
      else if (status >= 400) r.client += s.value;
    } else if (s.metricName?.endsWith('_bucket')) {
      // summed over statuses, as `sum by (le, method, route)` would
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      r.buckets.set(le, (r.buckets.get(le) ?? 0) + s.value);
    }
  }
  return [...byRoute.values()]
    .map((r) => {
      const buckets = [...r.buckets].map(([le, count]) => ({ le, count }));
      return {
        method: r.method,
        route: r.route,
        requests: r.requests,
        client_errors: r.client,
        server_errors: r.server,
        client_error_rate: ratio(r.client, r.requests) ?? 0,
        server_error_rate: ratio(r.server, r.requests) ?? 0,
        latency_ms: { p50: ms(histogramQuantile(0.5, buckets)), p95: ms(histogramQuantile(0.95, buckets)), p99: ms(histogramQuantile(0.99, buckets)) },
      };
    })
    .sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route) || a.method.localeCompare(b.method));
}

/**
 * What this process's own registry says since it started: per-route traffic, errors and latency,
 * the webhook attempt failure ratio and each in-process cache's hit ratio. Other instances have
 * their own: aggregate across them in Prometheus.
 */
export async function summarizeMetrics(metrics: Metrics, now: Date): Promise<MetricsSummary> {
  const attempts = await samples(metrics.registry, WEBHOOK_ATTEMPTS);
  const total = attempts.reduce((n, s) => n + s.value, 0);
  const failed = attempts.filter((s) => s.labels.result === 'failure').reduce((n, s) => n + s.value, 0);
  const caches = new Map<string, CacheSummary>();
  for (const s of (await metrics.cache.get()).values as Sample[]) {
    const name = String(s.labels.cache ?? '');
    let c = caches.get(name);
    if (!c) caches.set(name, (c = { cache: name, hits: 0, misses: 0, hit_ratio: null }));
    if (s.labels.result === 'hit') c.hits += s.value;
    else c.misses += s.value;
  }
  for (const c of caches.values()) c.hit_ratio = ratio(c.hits, c.hits + c.misses);
  return {
    object: 'metrics_summary',
    generated_at: now.toISOString(),
    uptime_seconds: Math.round(process.uptime()),
    routes: await routeSummaries(metrics),
    webhooks: { attempts: total, failed_attempts: failed, failure_ratio: ratio(failed, total) },
    caches: [...caches.values()].sort((a, b) => a.cache.localeCompare(b.cache)),
  };
}
