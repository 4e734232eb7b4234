import { expect } from 'vitest';
import type { Middleware } from 'openapi-fetch';
import { createTesseraClient, idempotencyHeader, type Problem, type TesseraClient } from '../../sdk/index.js';
import type { TestApp } from './app.js';
import { assertContract } from './contract.js';

/** Makes the test app listen on a free local port (once) and returns its base URL. */
export async function listen(t: TestApp): Promise<string> {
  if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address !== 'object') throw new Error('the test app is not listening on a TCP port');
  return `http://127.0.0.1:${address.port}`;
}

/** Validates every response a client receives against the contract, like those of `t.call`. */
function contractOf(t: TestApp): Middleware {
  return {
    async onResponse({ request, response }) {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => (headers[name] = value));
      assertContract(t.contract, request.method, `${url.pathname}${url.search}`, { statusCode: response.status, headers, body: await response.clone().text() });
      return response;
    },
  };
}

/**
 * The generated SDK against the listening test app, with `key`. Every response it receives over
 * HTTP is validated against the contract, like those of `t.call`.
 */
export function sdk(t: TestApp, baseUrl: string, key: string): TesseraClient {
  const client = createTesseraClient(baseUrl, key);
  client.use(contractOf(t));
  return client;
}

/** Statuses whose responses have no body (a `Response` refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * `fetch` served by `app.inject`: the request never leaves the process. The inject is the
 * unchecked one (`contract: false`) because the client's contract middleware validates the
 * response once, as it does over HTTP.
 */
async function injectFetch(t: TestApp, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  const payload = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  const res = await t.call(request.method, `${url.pathname}${url.search}`, { key: null, headers, ...(payload?.length ? { body: payload } : {}), contract: false });
  const out = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    // Repeated headers (set-cookie) arrive as arrays: one entry each, as on the wire.
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [String(value)]) out.append(name, v);
  }
  const body = NULL_BODY.has(res.statusCode) || request.method === 'HEAD' ? null : res.rawPayload;
  return new Response(body, { status: res.statusCode, headers: out });
}

/**
 * The generated SDK against the test app in process (no TCP port), with `key` (default: the
 * test secret key). Every response is validated against the contract, like those of `t.call`.
 */
export function api(t: TestApp, key?: string, options: { version?: string; autoIdempotency?: boolean } = {}): TesseraClient {
  const client = createTesseraClient('http://tessera.test', key ?? t.keys.secret, { ...options, fetch: (request) => injectFetch(t, request) });
  client.use(contractOf(t));
  return client;
}

/** What every SDK call resolves to: the data of a success or the body of an error (usually a problem). */
interface Result<T, E = unknown> {
  data?: T;
  error?: E;
  response: Response;
}

/** The data of a successful call (of `status` when given); fails the test with the problem otherwise. */
export function ok<T>(result: Result<T>, status?: number): T {
  const { response, data, error } = result;
  if (status !== undefined) expect(response.status, JSON.stringify(error ?? data)).toBe(status);
  if (!response.ok || data === undefined) expect.fail(`${response.status}: ${JSON.stringify(error)}`);
  return data;
}

/** The problem of a call that must fail with `status`. */
export function problem(result: Result<unknown, Problem>, status: number): Problem {
  const { response, data, error } = result;
  expect(response.status, JSON.stringify(error ?? data)).toBe(status);
  if (error === undefined) expect.fail(`${response.status}: no problem body`);
  return error;
}

/**
 * Checks a cart out with `client` (usually the publishable key) and a fresh Idempotency-Key,
 * unless `idempotencyKey` is given.
 */
export function checkout(client: TesseraClient, cartId: string, token = 'tok_visa', opts: { idempotencyKey?: string; expectedTotal?: number } = {}) {
  return client.POST('/v1/carts/{id}/checkout', {
    params: { path: { id: cartId } },
    body: { payment: { token }, ...(opts.expectedTotal !== undefined ? { expected_total: opts.expectedTotal } : {}) },
    ...(opts.idempotencyKey ? { headers: idempotencyHeader(opts.idempotencyKey) } : {}),
  });
}
