import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type {
  AuthorizeRequest,
  PaymentProcessor,
  ProcessorAuthorization,
  ProcessorRefund,
  ProcessorResult,
  SettlementEntry,
} from './processor.js';

export interface HttpProcessorOptions {
  name: string;
  url: string;
  apiKey: string;
  /** The processor account to act as (`Processor-Account`, like Stripe-Account): a partner sandbox's own test account. */
  account?: string;
  /** Per-request timeout, connect to last byte; must exceed the slowest normal answer (tok_slow: 2 s). */
  timeoutMs: number;
  /** Concurrent connections to this processor (64); more requests wait for one, inside their timeout. */
  maxSockets?: number;
  /**
   * How long an idle keep-alive connection is kept (4000 ms). It must stay below the server's own
   * idle timeout (Node's default is 5 s), or we may reuse a connection the server is closing.
   */
  idleMs?: number;
}

/**
 * What one exchange came to. `stale`: a reused keep-alive connection failed before any byte of the
 * answer. The server may still have read the request, so for a POST it is ambiguous; a GET only
 * reads and is simply asked again on a new connection.
 */
type Raw =
  | { kind: 'response'; status: number; body: unknown }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'ambiguous'; reason: string; stale?: boolean };

function errorCode(err: unknown): string {
  // A failed multi-address connect gives an AggregateError whose errors carry the codes.
  const e = err as { code?: unknown; errors?: Array<{ code?: unknown }>; name?: unknown } | null;
  if (typeof e?.code === 'string') return e.code;
  const first = e?.errors?.[0]?.code;
  if (typeof first === 'string') return first;
  return typeof e?.name === 'string' ? e.name : 'unknown';
}

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A processor reached over HTTP (the emulators, or a real one speaking the same API), with a
 * timeout on every request. Outcomes are classified, never thrown: see {@link ProcessorResult}.
 * Connections are kept alive and reused (one pool per processor), because a new connection per
 * payment is a large share of a checkout's cost; {@link close} ends them.
 *
 * Classification: a request that never got a connection (refused, unreachable, timed out while
 * connecting or waiting for a free one) surely did nothing: `unavailable`. Once connected, the
 * request may have reached the processor, so a timeout or a network error is `ambiguous` and the
 * router looks the reference up.
 * @example
 *   const simpay = new HttpProcessor({ name: 'simpay', url, apiKey, timeoutMs: 5000 });
 *   const r = await simpay.authorize({ amount: 1999, currency: 'USD', token: 'tok_visa', reference: 'pay_1_1', capture: false });
 *   simpay.close();
 */
export class HttpProcessor implements PaymentProcessor {
  readonly name: string;
  private readonly request: (options: http.RequestOptions) => http.ClientRequest;
  private readonly agent: http.Agent;
  private readonly target: { protocol: string; hostname: string; port: string; basePath: string };

  constructor(private readonly options: HttpProcessorOptions) {
    this.name = options.name;
    const url = new URL(options.url);
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new Error(`processor ${options.name}: unsupported URL ${options.url}`);
    this.request = secure ? https.request : http.request;
    // `timeout` is the idle limit of a pooled connection (Node also honours a shorter Keep-Alive: timeout=N hint).
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, timeout: options.idleMs ?? 4000 };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.target = {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), // IPv6 literals come bracketed from URL
      port: url.port,
      basePath: url.pathname.replace(/\/+$/, ''),
    };
  }

  /** Ends the pooled connections; requests after this still work, on new connections. */
  close(): void {
    this.agent.destroy();
  }

  private async send(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<Raw> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    if (this.options.account) headers['processor-account'] = this.options.account;
    const started = performance.now();
    const raw = await this.exchange(method, path, headers, payload, this.options.timeoutMs, this.agent);
    if (raw.kind !== 'ambiguous' || !raw.stale || method !== 'GET') return raw;
    // A GET changes nothing: ask again on a connection of its own, within what is left of the timeout.
    const left = this.options.timeoutMs - (performance.now() - started);
    return left > 0 ? this.exchange(method, path, headers, payload, left, false) : { kind: 'ambiguous', reason: raw.reason };
  }

  /** One request and its answer, classified by how far it got. Never rejects. */
  private exchange(method: string, path: string, headers: http.OutgoingHttpHeaders, payload: Buffer | undefined, timeoutMs: number, agent: http.Agent | false): Promise<Raw> {
    return new Promise<Raw>((resolve) => {
      // connected: the request may have left; answered: a byte of the answer arrived.
      let connected = false;
      let answered = false;
      let settled = false;
      const settle = (raw: Raw) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(raw);
      };
      const { protocol, hostname, port, basePath } = this.target;
      const req = this.request({ protocol, hostname, port, path: basePath + path, method, headers, agent });
      const timer = setTimeout(() => {
        settle(connected ? { kind: 'ambiguous', reason: `timeout after ${this.options.timeoutMs} ms` } : { kind: 'unavailable', reason: `no connection within ${this.options.timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on('socket', (socket: Socket) => {
        if (!socket.connecting) {
          connected = true; // a reused keep-alive connection
          return;
        }
        // Over TLS nothing is sent before the handshake completes.
        socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => {
          connected = true;
        });
      });
      req.on('error', (err) => {
        const code = errorCode(err);
        if (!connected) settle({ kind: 'unavailable', reason: `connect error ${code}` });
        else settle({ kind: 'ambiguous', reason: `network error ${code}`, stale: req.reusedSocket && !answered });
      });
      req.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => settle({ kind: 'ambiguous', reason: `network error ${errorCode(err)}` }));
        // Closed before the end of the answer: it may have said anything.
        res.on('close', () => settle({ kind: 'ambiguous', reason: 'connection closed mid-answer' }));
        res.on('end', () => settle(parse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
      });
      req.end(payload);
    });
  }

  /** Turns an HTTP answer into a result; `ok` builds the value from a 2xx body. */
  private classify<T>(raw: Raw, ok: (body: unknown) => T): ProcessorResult<T> {
    if (raw.kind === 'unavailable') return raw;
    if (raw.kind === 'ambiguous') return { kind: 'ambiguous', reason: raw.reason };
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

/** A complete answer: JSON, or null when empty or not JSON. A 2xx that is not JSON cannot be trusted to mean anything. */
function parse(status: number, text: string): Raw {
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    if (status >= 200 && status < 300) return { kind: 'ambiguous', reason: `unparseable ${status} answer` };
  }
  return { kind: 'response', status, body };
}
