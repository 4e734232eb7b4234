import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';
import { histogramQuantile, summarizeMetrics } from './summary.js';

// 40 observations: 10 up to 0.1 s, 20 in (0.1, 0.2], 10 in (0.2, 0.5]
const buckets = [
  { le: 0.1, count: 10 },
  { le: 0.2, count: 30 },
  { le: 0.5, count: 40 },
  { le: Infinity, count: 40 },
];

describe('histogramQuantile (as PromQL histogram_quantile)', () => {
  it('interpolates linearly inside the bucket holding the rank', () => {
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.15, 12); // rank 20: 10 into the 20 of (0.1, 0.2]
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.44, 12); // rank 38: 8 into the 10 of (0.2, 0.5]
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.488, 12);
  });

  it('starts the first bucket at zero', () => {
    expect(histogramQuantile(0.1, buckets)).toBeCloseTo(0.04, 12); // rank 4 of 10 in (0, 0.1]
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.1, 12);
  });

  it('answers the highest finite bound for a rank in the +Inf bucket', () => {
    const slow = [{ le: 1, count: 5 }, { le: 10, count: 6 }, { le: Infinity, count: 10 }];
    expect(histogramQuantile(0.99, slow)).toBe(10);
    expect(histogramQuantile(0.5, slow)).toBeCloseTo(1, 12);
  });

  it('takes buckets in any order, and answers NaN or ±Inf where PromQL does', () => {
    expect(histogramQuantile(0.5, [...buckets].reverse())).toBeCloseTo(0.15, 12);
    expect(histogramQuantile(0.5, [{ le: 0.1, count: 0 }, { le: Infinity, count: 0 }])).toBeNaN(); // no observations
    expect(histogramQuantile(0.5, [{ le: 0.1, count: 3 }, { le: 0.2, count: 4 }])).toBeNaN(); // no +Inf bucket
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 4 }])).toBeNaN();
    expect(histogramQuantile(1.5, buckets)).toBe(Infinity);
    expect(histogramQuantile(-1, buckets)).toBe(-Infinity);
  });
});

describe('summarizeMetrics', () => {
  it('sums a route over its statuses, and reads the webhook and cache counters', async () => {
    const metrics = new Metrics(false);
    // 8 × 20 ms, 1 × 200 ms (404), 1 × 3 s (500) on one route; one request on another
    for (let i = 0; i < 8; i++) metrics.observeRequest('GET', '/v1/things', 200, 0.02);
    metrics.observeRequest('GET', '/v1/things', 404, 0.2);
    metrics.observeRequest('GET', '/v1/things', 500, 3);
    metrics.observeRequest('POST', '/v1/things', 201, 0.06);
    const attempts = new Counter({ name: 'tessera_webhook_attempts_total', help: 'x', labelNames: ['endpoint', 'result'], registers: [metrics.registry] });
    attempts.inc({ endpoint: 'we_1', result: 'success' }, 3);
    attempts.inc({ endpoint: 'we_2', result: 'failure' }, 1);
    for (const hit of [true, true, true, false]) metrics.cacheLookup('product', hit);

    const s = await summarizeMetrics(metrics, new Date('2026-01-01T00:00:00Z'));
    const get = s.routes[0]!;
    expect(get).toMatchObject({ method: 'GET', route: '/v1/things', requests: 10, client_errors: 1, server_errors: 1, client_error_rate: 0.1, server_error_rate: 0.1 });
    // buckets (0.01, 0.025] hold 8 of 10: p50 at rank 5 is 0.01 + 0.015 × 5/8
    expect(get.latency_ms.p50).toBeCloseTo(19.375, 3);
    // rank 9.5 lies in (2.5, 5] holding one: 2.5 + 2.5 × 0.5
    expect(get.latency_ms.p95).toBeCloseTo(3750, 3);
    expect(get.latency_ms.p99).toBeCloseTo(4750, 3);
    expect(s.routes[1]).toMatchObject({ method: 'POST', requests: 1, client_errors: 0, server_errors: 0 });
    expect(s.webhooks).toEqual({ attempts: 4, failed_attempts: 1, failure_ratio: 0.25 });
    expect(s.caches).toEqual([{ cache: 'product', hits: 3, misses: 1, hit_ratio: 0.75 }]);
  });

  it('answers nulls before anything was observed', async () => {
    const s = await summarizeMetrics(new Metrics(false), new Date());
    expect(s.routes).toEqual([]);
    expect(s.webhooks.failure_ratio).toBeNull();
    expect(s.caches).toEqual([]);
  });
});
