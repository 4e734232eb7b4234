import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isStateError, present, ProcessorState, tokenBehaviour, type StateError } from './state.js';

export interface EmulatorOptions {
  /** `simpay` or `altpay`: names the processor and prefixes its ids. */
  name: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Bearer key clients must send; a random one by default. */
  apiKey?: string;
  /** How long tok_slow waits (2 s). */
  slowMs?: number;
  /** How long tok_timeout_after_auth holds its answer unless the client gives up first (60 s). */
  hangMs?: number;
}

type Json = Record<string, unknown>;
type Answer = { status: number; body: unknown; delayMs?: number; hang?: boolean };

const MAX_BODY = 64 * 1024;

function problem(e: StateError): Answer {
  return { status: e.status, body: { error: e.error, message: e.message } };
}

async function readJson(req: http.IncomingMessage): Promise<Json | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) return null;
    chunks.push(b);
  }
  if (size === 0) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : null;
  } catch {
    return null;
  }
}

const isAmount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

/**
 * One emulated payment processor: a small HTTP server on loopback with in-memory books. It speaks
 * the API that {@link HttpProcessor} calls and simulates outcomes through test tokens (see
 * `state.ts`), plus `/_control/*` endpoints for tests. It can be stopped and started again on the
 * same port with its books intact, so tests can produce connection errors and then recover.
 */
export class ProcessorEmulator {
  readonly name: string;
  readonly apiKey: string;
  readonly state: ProcessorState;
  /** Other accounts' books (the `Processor-Account` header, as Stripe-Account): one per partner sandbox. */
  private readonly accounts = new Map<string, ProcessorState>();
  private readonly server: http.Server;
  private port: number;
  private readonly host: string;
  private down = false;
  /** Requests to the processor API (not /_control), so tests can prove a processor was not called. */
  private requests = 0;
  private readonly slowMs: number;
  private readonly hangMs: number;

  constructor(options: EmulatorOptions) {
    this.name = options.name;
    this.apiKey = options.apiKey ?? `emu_${options.name}_${crypto.randomBytes(18).toString('base64url')}`;
    this.state = new ProcessorState(options.name.slice(0, 2));
    this.port = options.port ?? 0;
    this.host = options.host ?? '127.0.0.1';
    this.slowMs = options.slowMs ?? 2000;
    this.hangMs = options.hangMs ?? 60_000;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal_error"}');
      });
    });
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** Listens (again) on the emulator's port; the first start picks a free one unless a port was given. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Stops listening and drops open connections, so clients get connection errors until `start()`. */
  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    // Clients in this process (the tests) see those connections end on their next reads; give them
    // that turn of the event loop, so they never send on a dead keep-alive connection afterwards.
    await new Promise((resolve) => setTimeout(resolve, 25));
  }

  private authorized(req: http.IncomingMessage): boolean {
    const given = Buffer.from(req.headers.authorization ?? '');
    const expected = Buffer.from(`Bearer ${this.apiKey}`);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const body = req.method === 'POST' ? await readJson(req) : {};
    let answer: Answer;
    if (!this.authorized(req)) answer = { status: 401, body: { error: 'unauthorized', message: 'Bearer API key required' } };
    else if (body === null) answer = { status: 400, body: { error: 'invalid_json', message: 'Body must be a JSON object' } };
    else if (url.pathname.startsWith('/_control/')) answer = this.control(req.method ?? 'GET', url.pathname, body);
    else {
      this.requests++;
      answer = this.down ? { status: 503, body: { error: 'processor_unavailable', message: 'Outage (control endpoint)' } } : this.route(req, url, body);
    }
    await this.reply(res, answer);
  }

  private async reply(res: http.ServerResponse, answer: Answer): Promise<void> {
    if (answer.hang) {
      // tok_timeout_after_auth: the authorization is stored; the answer waits until the client gives up.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.hangMs);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (res.destroyed) return;
    } else if (answer.delayMs) {
      await new Promise((r) => setTimeout(r, answer.delayMs));
    }
    if (res.destroyed) return;
    // Connections stay open for reuse (clients keep them alive, as against a real processor);
    // stop() makes sure no client is left holding one.
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  }

  /** The books of the request's account: its own for a `Processor-Account`, the default otherwise. */
  private stateFor(req: http.IncomingMessage): ProcessorState {
    const account = req.headers['processor-account'];
    if (typeof account !== 'string' || !/^[a-z0-9_]{1,64}$/.test(account)) return this.state;
    let state = this.accounts.get(account);
    if (!state) this.accounts.set(account, (state = new ProcessorState(this.name.slice(0, 2))));
    return state;
  }

  private route(req: http.IncomingMessage, url: URL, body: Json): Answer {
    const method = req.method ?? 'GET';
    const state = this.stateFor(req);
    const path = url.pathname.replace(/\/+$/, '');
    if (method === 'POST' && path === '/v1/authorizations') {
      const key = req.headers['idempotency-key'];
      return this.authorize(state, typeof key === 'string' && key ? key : typeof body.reference === 'string' ? body.reference : '', body);
    }
    if (method === 'GET' && path === '/v1/authorizations') {
      const found = state.lookup(url.searchParams.get('reference') ?? '');
      return { status: 200, body: { object: 'list', data: found ? [present(found)] : [] } };
    }
    if (method === 'GET' && path === '/v1/settlements') return { status: 200, body: { object: 'list', data: state.settlements() } };
    const m = /^\/v1\/authorizations\/([^/]+)(?:\/(capture|void|refunds))?$/.exec(path);
    if (!m) return { status: 404, body: { error: 'not_found', message: `${method} ${path}` } };
    const id = decodeURIComponent(m[1]!);
    const action = m[2];
    if (method === 'GET' && !action) {
      const auth = state.get(id);
      return auth ? { status: 200, body: present(auth) } : { status: 404, body: { error: 'authorization_not_found', message: id } };
    }
    if (method !== 'POST' || !action) return { status: 405, body: { error: 'method_not_allowed', message: method } };
    if (action === 'void') return this.answer(state.void(id));
    if (!isAmount(body.amount)) return { status: 400, body: { error: 'invalid_request', message: 'amount must be a positive integer' } };
    if (action === 'capture') return this.answer(state.capture(id, body.amount));
    if (typeof body.reference !== 'string' || !body.reference) return { status: 400, body: { error: 'invalid_request', message: 'reference required' } };
    const refund = state.refund(id, body.amount, body.reference);
    return isStateError(refund) ? problem(refund) : { status: 200, body: refund };
  }

  private answer(result: ReturnType<ProcessorState['capture']>): Answer {
    return isStateError(result) ? problem(result) : { status: 200, body: present(result) };
  }

  private authorize(state: ProcessorState, key: string, body: Json): Answer {
    const { amount, currency, token, reference, capture } = body;
    if (!isAmount(amount) || typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency) || typeof token !== 'string' || typeof reference !== 'string' || !reference || typeof capture !== 'boolean') {
      return { status: 400, body: { error: 'invalid_request', message: 'amount (positive integer), currency (ISO 4217), token, reference and capture (boolean) are required' } };
    }
    const known = state.byIdempotencyKey(key);
    if (known) {
      if (known.amount !== amount || known.currency !== currency || known.token !== token) {
        return { status: 422, body: { error: 'idempotency_mismatch', message: 'Idempotency-Key reused with other parameters' } };
      }
      return known.decline_code ? { status: 402, body: { error: 'card_declined', decline_code: known.decline_code, authorization: present(known) } } : { status: 200, body: present(known) };
    }
    const input = { amount, currency, token, reference, capture };
    const behaviour = tokenBehaviour(token, reference, this.slowMs);
    switch (behaviour.kind) {
      case 'unavailable':
        return { status: 503, body: { error: 'processor_unavailable', message: 'Simulated outage before authorising (tok_processor_down)' } };
      case 'decline':
      case 'invalid_token': {
        const code = behaviour.kind === 'decline' ? behaviour.declineCode : 'invalid_token';
        const auth = state.record(key, input, code);
        return { status: 402, body: { error: 'card_declined', decline_code: code, authorization: present(auth) } };
      }
      case 'approve_then_hang':
        return { status: 200, body: present(state.record(key, input, null)), hang: true };
      case 'approve':
        return { status: 200, body: present(state.record(key, input, null)), delayMs: behaviour.delayMs };
    }
  }

  private control(method: string, path: string, body: Json): Answer {
    if (method === 'POST' && path === '/_control/outage') {
      this.down = body.down === true;
      return { status: 200, body: { down: this.down } };
    }
    if (method === 'GET' && path === '/_control/authorizations') {
      const data = this.state.approved();
      return { status: 200, body: { object: 'list', count: data.length, requests: this.requests, data } };
    }
    if (method === 'POST' && path === '/_control/tamper') {
      const entry = this.state.tamper(body as Parameters<ProcessorState['tamper']>[0]);
      return isStateError(entry) ? problem(entry) : { status: 200, body: entry };
    }
    if (method === 'POST' && path === '/_control/reset') {
      this.state.reset();
      this.accounts.clear();
      this.down = false;
      this.requests = 0;
      return { status: 200, body: { reset: true } };
    }
    return { status: 404, body: { error: 'not_found', message: `${method} ${path}` } };
  }
}
