import type {
  AuthorizeRequest,
  PaymentProcessor,
  ProcessorAuthorization,
  ProcessorRefund,
  ProcessorResult,
  SettlementEntry,
} from './processor.js';

/** Error codes that mean the connection was never made, so the request was never sent. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

export interface HttpProcessorOptions {
  name: string;
  url: string;
  apiKey: string;
  /** Per-request timeout; must exceed the slowest normal answer (tok_slow: 2 s). */
  timeoutMs: number;
}

type Raw = { kind: 'response'; status: number; body: unknown } | { kind: 'unavailable'; reason: string } | { kind: 'ambiguous'; reason: string };

function errorCode(err: unknown): string | undefined {
  // fetch wraps the socket error: TypeError('fetch failed', { cause }); several addresses give an AggregateError cause.
  const cause = (err as { cause?: { code?: unknown; errors?: Array<{ code?: unknown }> } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  const first = cause?.errors?.[0]?.code;
  return typeof first === 'string' ? first : undefined;
}

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A processor reached over HTTP (the emulators, or a real one speaking the same API), with a
 * timeout on every request. Outcomes are classified, never thrown: see {@link ProcessorResult}.
 * @example
 *   const simpay = new HttpProcessor({ name: 'simpay', url, apiKey, timeoutMs: 5000 });
 *   const r = await simpay.authorize({ amount: 1999, currency: 'USD', token: 'tok_visa', reference: 'pay_1_1', capture: false });
 */
export class HttpProcessor implements PaymentProcessor {
  readonly name: string;
  private readonly base: string;

  constructor(private readonly options: HttpProcessorOptions) {
    this.name = options.name;
    this.base = options.url.replace(/\/+$/, '');
  }

  private async send(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<Raw> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    try {
      const res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // A 2xx that is not JSON cannot be trusted to mean anything: the caller treats it as ambiguous.
        if (res.ok) return { kind: 'ambiguous', reason: `unparseable ${res.status} answer` };
      }
      return { kind: 'response', status: res.status, body: parsed };
    } catch (err) {
      const code = errorCode(err);
      if (code && NOT_SENT.has(code)) return { kind: 'unavailable', reason: `connect error ${code}` };
      const name = err instanceof Error ? err.name : 'unknown';
      if (name === 'TimeoutError') return { kind: 'ambiguous', reason: `timeout after ${this.options.timeoutMs} ms` };
      // Anything else may have happened after the request left (a reset, a half-read answer): ambiguous.
      return { kind: 'ambiguous', reason: `network error ${code ?? name}` };
    }
  }

  /** Turns an HTTP answer into a result; `ok` builds the value from a 2xx body. */
  private classify<T>(raw: Raw, ok: (body: unknown) => T): ProcessorResult<T> {
    if (raw.kind !== 'response') return raw;
    const { status, body } = raw;
    const error = field(body, 'error');
    if (status === 503 || error === 'processor_unavailable') return { kind: 'unavailable', reason: `HTTP ${status} ${error ?? ''}`.trim() };
    if (status >= 500) return { kind: 'ambiguous', reason: `HTTP ${status}` };
    if (status === 402) return { kind: 'declined', declineCode: field(body, 'decline_code') ?? error ?? 'card_declined' };
    if (status >= 200 && status < 300) return { kind: 'ok', value: ok(body) };
    return { kind: 'rejected', code: error ?? `http_${status}`, reason: field(body, 'message') ?? `HTTP ${status}` };
  }

  async authorize(request: AuthorizeRequest): Promise<ProcessorResult<ProcessorAuthorization>> {
    const raw = await this.send('POST', '/v1/authorizations', request, request.reference);
    return this.classify(raw, (b) => b as ProcessorAuthorization);
  }

  async capture(authorizationId: string, amount: number): Promise<ProcessorResult<ProcessorAuthorization>> {
    const raw = await this.send('POST', `/v1/authorizations/${encodeURIComponent(authorizationId)}/capture`, { amount });
    return this.classify(raw, (b) => b as ProcessorAuthorization);
  }

  async void(authorizationId: string): Promise<ProcessorResult<ProcessorAuthorization>> {
    const raw = await this.send('POST', `/v1/authorizations/${encodeURIComponent(authorizationId)}/void`, {});
    return this.classify(raw, (b) => b as ProcessorAuthorization);
  }

  async refund(authorizationId: string, amount: number, reference: string): Promise<ProcessorResult<ProcessorRefund>> {
    const raw = await this.send('POST', `/v1/authorizations/${encodeURIComponent(authorizationId)}/refunds`, { amount, reference }, reference);
    return this.classify(raw, (b) => b as ProcessorRefund);
  }

  async lookup(reference: string): Promise<ProcessorResult<ProcessorAuthorization | null>> {
    const raw = await this.send('GET', `/v1/authorizations?reference=${encodeURIComponent(reference)}`);
    return this.classify(raw, (b) => (b as { data: ProcessorAuthorization[] }).data[0] ?? null);
  }

  async settlements(): Promise<ProcessorResult<SettlementEntry[]>> {
    const raw = await this.send('GET', '/v1/settlements');
    return this.classify(raw, (b) => (b as { data: SettlementEntry[] }).data);
  }
}
