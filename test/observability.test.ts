import { execFileSync, spawnSync } from 'node:child_process';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTracing, shutdownTracing } from '../src/platform/observability/tracing.js';
import { serveMetrics } from '../src/platform/observability/metrics.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createProduct, productBody } from './helpers/fixtures.js';

const exporter = new InMemorySpanExporter();
let t: TestApp;
beforeAll(async () => {
  await initTracing({ processors: [new SimpleSpanProcessor(exporter)] });
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
  await shutdownTracing();
});

const lines = () => t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('logs', () => {
  it('one JSON line per request with route template, status, duration, request id and trace id', async () => {
    const p = await createProduct(t);
    t.logs.length = 0;
    const res = await t.call('GET', `/v1/products/${p.id}`, { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    const requestLines = lines().filter((l) => l.msg === 'request');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      route: '/v1/products/:id',
      method: 'GET',
      status: 200,
      request_id: res.headers['x-request-id'],
      trace_id: '0af7651916cd43dd8448eb211c80319c',
    });
    expect(typeof requestLines[0]!.duration_ms).toBe('number');
  });

  it('never writes keys, emails or addresses', async () => {
    t.logs.length = 0;
    const email = 'jane.doe@example.com';
    // PII in a body that fails validation, in metadata that is stored, and in a header
    await t.call('POST', '/v1/products', { body: { ...productBody(), email, address: '1 Main St' }, headers: { 'x-customer-email': email } });
    await t.call('POST', '/v1/products', { body: productBody({ metadata: { contact: email } }) });
    await t.call('GET', '/v1/products', { key: `${t.keys.secret}x` });
    t.logger.error({ err: new Error(`failed for ${email} with ${t.keys.secret}`), email, customer: { email, address: '1 Main St' }, headers: { authorization: `Bearer ${t.keys.secret}` } }, `lookup ${email}`);
    const all = t.logs.join('\n');
    expect(t.logs.length).toBeGreaterThan(3);
    expect(all).not.toContain(email);
    expect(all).not.toContain(t.keys.secret);
    expect(all).not.toContain('1 Main St');
    expect(all).toContain('[redacted]');
  });
});

describe('metrics', () => {
  it('exposes request durations by route template, errors by code and cache hits, and passes promtool', async () => {
    const p = await createProduct(t);
    await t.call('GET', `/v1/products/${p.id}`);
    await t.call('GET', `/v1/products/${p.id}`);
    await t.call('GET', '/v1/products/prod_nope');
    const server = await serveMetrics(t.metrics, 0, '127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    const text = await res.text();
    await server.close();
    expect(res.status).toBe(200);
    expect(text).toMatch(/http_server_request_duration_seconds_bucket\{le="0.005",http_request_method="GET",http_route="\/v1\/products\/:id",http_response_status_code="200"\}/);
    expect(text).not.toContain(p.id); // route templates, never raw paths
    expect(text).toMatch(/tessera_errors_total\{code="product_not_found",status="404"\} 1/);
    expect(text).toMatch(/tessera_cache_requests_total\{cache="product",result="hit"\} [1-9]/);
    expect(text).toMatch(/tessera_cache_requests_total\{cache="product",result="miss"\} [1-9]/);

    const promtool = spawnSync('promtool', ['--version']);
    if (promtool.error) {
      if (process.env.TESSERA_REQUIRE_PROMTOOL) throw new Error('promtool is required (Debian package prometheus)');
      return;
    }
    const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(out.trim()).toBe('');
  });
});

describe('traces', () => {
  it('continues an incoming traceparent with a server span named "{method} {route}" and DB child spans', async () => {
    const p = await createProduct(t);
    exporter.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await t.call('PATCH', `/v1/products/${p.id}`, { body: { title: 'Traced' }, headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'PATCH /v1/products/:id');
    expect(server).toBeDefined();
    expect(server!.spanContext().traceId).toBe(traceId);
    expect(server!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    const db = spans.filter((s) => s.name === 'db.query' && s.spanContext().traceId === traceId);
    expect(db.length).toBeGreaterThan(0);
    expect(db.every((s) => s.parentSpanContext?.spanId === server!.spanContext().spanId)).toBe(true);
  });

  it("dispatching a request's events runs in a span linked to the request's span", async () => {
    const p = await createProduct(t);
    await t.modules.dispatcher.drain();
    exporter.reset();
    await t.call('PATCH', `/v1/products/${p.id}`, { body: { title: 'Linked' } });
    const server = exporter.getFinishedSpans().find((s) => s.name === 'PATCH /v1/products/:id')!;
    await t.modules.dispatcher.drain();
    const dispatch = exporter.getFinishedSpans().find((s) => s.name === 'events.dispatch' && s.links.some((l) => l.context.spanId === server.spanContext().spanId));
    expect(dispatch).toBeDefined();
    expect(dispatch!.spanContext().traceId).not.toBe(server.spanContext().traceId); // its own trace (a root)
    expect(dispatch!.links.find((l) => l.context.spanId === server.spanContext().spanId)!.context.traceId).toBe(server.spanContext().traceId);
  });

  it('a 4xx leaves the server span status unset (only a 5xx is an error)', async () => {
    exporter.reset();
    await t.call('GET', '/v1/products/prod_nope');
    const notFound = exporter.getFinishedSpans().find((s) => s.name === 'GET /v1/products/:id');
    expect(notFound?.status.code).toBe(0);
  });
});
