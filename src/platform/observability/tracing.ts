import { randomHex } from '../crypto/ids.js';
import { context, propagation, trace, SpanKind, SpanStatusCode, ROOT_CONTEXT, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let tracer: Tracer | undefined;
let provider: NodeTracerProvider | undefined;

/** True when the standard OTEL_* variables ask for trace export. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const exporter = env.OTEL_TRACES_EXPORTER;
  if (env.OTEL_SDK_DISABLED === 'true' || exporter === 'none') return false;
  return Boolean(exporter || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Sets up OpenTelemetry tracing from the standard OTEL_* variables (the OTLP exporter reads its
 * endpoint, headers and protocol options itself). With none set, nothing is installed and every
 * span helper below is a plain function call. `processors` lets tests collect spans in memory.
 */
export async function initTracing(options: { processors?: SpanProcessor[]; env?: NodeJS.ProcessEnv } = {}): Promise<boolean> {
  const env = options.env ?? process.env;
  if (!options.processors && !tracingRequested(env)) return false;
  // Loaded only when tracing is on: the SDK and exporter cost start-up time otherwise.
  const [{ W3CTraceContextPropagator }, { resourceFromAttributes }, { BatchSpanProcessor, ConsoleSpanExporter }, { NodeTracerProvider }] = await Promise.all([
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  const exporter = env.OTEL_TRACES_EXPORTER === 'console' ? new ConsoleSpanExporter() : new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  const processors = options.processors ?? [new BatchSpanProcessor(exporter)];
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'tessera' }),
    spanProcessors: processors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  tracer = trace.getTracer('tessera');
  return true;
}

export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown();
  provider = undefined;
  tracer = undefined;
}

export function tracingEnabled(): boolean {
  return tracer !== undefined;
}

/** Runs `fn` inside a child span when tracing is on; otherwise just runs it. */
export async function withSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  if (!tracer) return fn();
  return tracer.startActiveSpan(name, { attributes, kind: SpanKind.CLIENT }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace identity of one request, whether or not spans are exported. */
export interface RequestTrace {
  traceId: string;
  /** W3C traceparent naming this request's span: stored with events so background work continues the trace. */
  traceparent: string;
  span?: Span;
  context?: Context;
}

/**
 * Starts the server span of a request, continuing an incoming W3C `traceparent`. Without tracing,
 * it only parses (or invents) the ids, so logs still carry a `trace_id`.
 */
export function startRequestTrace(headers: Record<string, string | string[] | undefined>, method: string): RequestTrace {
  if (tracer) {
    const parent = propagation.extract(ROOT_CONTEXT, headers);
    const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
    const sc = span.spanContext();
    return { traceId: sc.traceId, traceparent: `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`, span, context: trace.setSpan(parent, span) };
  }
  const incoming = headers.traceparent;
  const m = typeof incoming === 'string' ? TRACEPARENT.exec(incoming) : null;
  const traceId = m && m[1] !== '0'.repeat(32) ? m[1]! : randomHex(16);
  const spanId = randomHex(8);
  return { traceId, traceparent: `00-${traceId}-${spanId}-${m?.[3] ?? '00'}` };
}

/** Names the span `{method} {route}` and ends it; a 5xx marks it as an error, a 4xx does not. */
export function endRequestTrace(t: RequestTrace, method: string, route: string, status: number): void {
  if (!t.span) return;
  t.span.updateName(`${method} ${route}`);
  t.span.setAttribute('http.route', route);
  t.span.setAttribute('http.response.status_code', status);
  if (status >= 500) t.span.setStatus({ code: SpanStatusCode.ERROR });
  t.span.end();
}

/** Runs `fn` with the request's span active, so spans made inside become its children. */
export function runInTrace(t: RequestTrace, fn: () => void): void {
  if (t.context) context.with(t.context, fn);
  else fn();
}

/**
 * Runs background work for things requests started (events, deliveries): a new root span, linked
 * to each request's span named by `traceparents`, so a trace viewer leads from a request to the
 * work it caused. Without tracing, just runs `fn`.
 */
export async function withLinkedSpan<T>(name: string, traceparents: readonly (string | null)[], attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  if (!tracer) return fn();
  const links = traceparents.flatMap((tp) => {
    const m = tp ? TRACEPARENT.exec(tp) : null;
    return m ? [{ context: { traceId: m[1]!, spanId: m[2]!, traceFlags: Number.parseInt(m[3]!, 16), isRemote: true } }] : [];
  });
  return tracer.startActiveSpan(name, { attributes, links, kind: SpanKind.CONSUMER, root: true }, ROOT_CONTEXT, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}
