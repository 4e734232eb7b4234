import { describe, expect, it } from 'vitest';
import { startRequestTrace, tracingEnabled, tracingRequested } from './tracing.js';

describe('tracing configuration', () => {
  it('exports only when the standard OTEL_* variables ask for it', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' })).toBe(false);
    expect(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' })).toBe(false);
  });

  it('without an SDK, still continues an incoming traceparent for the logs', () => {
    expect(tracingEnabled()).toBe(false);
    const t = startRequestTrace({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, 'GET');
    expect(t.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(t.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(t.traceparent).not.toContain('b7ad6b7169203331'); // a span of its own
    const fresh = startRequestTrace({ traceparent: 'garbage' }, 'GET');
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
