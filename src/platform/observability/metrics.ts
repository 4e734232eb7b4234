import http from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Bucket boundaries from the OpenTelemetry HTTP semantic conventions. */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The Prometheus registry of one app instance, with the platform's own metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests, by method, route template and status.',
    labelNames: ['http_request_method', 'http_route', 'http_response_status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'tessera_errors_total',
    help: 'Problem responses sent, by stable error code.',
    labelNames: ['code', 'status'] as const,
    registers: [this.registry],
  });
  readonly cache = new Counter({
    name: 'tessera_cache_requests_total',
    help: 'In-process cache lookups, by cache and result (hit or miss).',
    labelNames: ['cache', 'result'] as const,
    registers: [this.registry],
  });

  private readonly durationByRoute = new Map<string, ReturnType<Histogram['labels']>>();
  private readonly cacheResults = new Map<string, ReturnType<Counter['labels']>>();

  /** Observes one request's duration; label sets are bound once, since hashing them per call shows in profiles. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let child = this.durationByRoute.get(key);
    if (!child) {
      child = this.httpDuration.labels({ http_request_method: method, http_route: route, http_response_status_code: status });
      this.durationByRoute.set(key, child);
    }
    child.observe(seconds);
  }

  /** Counts one lookup of an in-process cache. */
  cacheLookup(cache: string, hit: boolean): void {
    const key = `${cache}|${hit}`;
    let child = this.cacheResults.get(key);
    if (!child) {
      child = this.cache.labels({ cache, result: hit ? 'hit' : 'miss' });
      this.cacheResults.set(key, child);
    }
    child.inc();
  }

  constructor(defaults = true) {
    if (defaults) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client names these gauges `_total`, which the exposition lint (promtool) rightly rejects.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
        this.registry.removeSingleMetric(name);
      }
    }
  }
}

/** Serves `/metrics` on its own port, apart from the API. Resolves with the bound port. */
export async function serveMetrics(metrics: Metrics, port: number, host: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics' || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
