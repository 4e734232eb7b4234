import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './app.js';

export interface Credentials {
  client_id: string;
  client_secret: string;
  environment: 'live' | 'test';
  scopes: string[];
  seller_id: string | null;
}

export interface SignedUp {
  partner: { id: string; kind: string; status: string; test_seller_id: string | null; live_seller_id: string | null; clients: { id: string; environment: string }[] } & Record<string, unknown>;
  credentials: Credentials;
}

let ipCounter = 0;
/** A fresh client address per call, so the per-IP signup limit does not interfere unless a test wants it. */
export function nextIp(): string {
  ipCounter++;
  return `10.77.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
}

export function signupRequest(t: TestApp, body: Record<string, unknown>, ip = nextIp()): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: '/v1/partners', payload: body, remoteAddress: ip });
}

/** Signs a partner up (integrator with catalog:read by default) and returns its test credentials. */
export async function signup(t: TestApp, over: Record<string, unknown> = {}): Promise<SignedUp> {
  const res = await signupRequest(t, { name: 'Acme Apps', email: 'dev@acme.example', kind: 'integrator', scopes: ['catalog:read'], ...over });
  if (res.statusCode !== 201) throw new Error(`signup: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** HTTP Basic per RFC 6749 §2.3.1: each part form-encoded, then base64. */
export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** `POST /oauth/token` with a form body and the given headers. */
export function tokenRequest(t: TestApp, form: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return t.call('POST', '/oauth/token', { key: null, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
}

/** An access token for `creds` (client credentials over HTTP Basic). */
export async function accessToken(t: TestApp, creds: Pick<Credentials, 'client_id' | 'client_secret'>, scope?: string): Promise<string> {
  const res = await tokenRequest(t, { grant_type: 'client_credentials', ...(scope ? { scope } : {}) }, { authorization: basic(creds.client_id, creds.client_secret) });
  if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`);
  return res.json<{ access_token: string }>().access_token;
}
