import createClient from 'openapi-fetch';
import { createTesseraClient, type paths, type Problem, type TesseraClient } from '../../sdk/index.js';

/**
 * The dashboard's credential: an API key pasted in (operators), or a partner's OAuth client,
 * whose access token is fetched at `POST /oauth/token` and fetched again before it expires.
 * Kept in sessionStorage: closing the tab forgets it.
 */
export interface Session {
  kind: 'key' | 'partner';
  /** The API key, or the current access token. */
  token: string;
  clientId?: string;
  clientSecret?: string;
  /** Milliseconds since the epoch when the access token expires. */
  expiresAt?: number;
}

const STORE = 'tessera.dashboard.session';

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(STORE);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(STORE, JSON.stringify(session));
  else sessionStorage.removeItem(STORE);
}

/** A failed call, with what the problem (RFC 9457) says: its detail and request id are shown to the user. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> & { error?: string; error_description?: string },
    readonly requestId: string | null,
  ) {
    super(problem.detail ?? problem.error_description ?? problem.title ?? `HTTP ${status}`);
  }
}

/**
 * RFC 6749 §4.4: an access token for a partner's client credentials, sent in the form body
 * (§2.3.1): a browser answered 401 with `WWW-Authenticate: Basic` would pop up its own login box.
 */
export async function exchange(clientId: string, clientSecret: string): Promise<Session> {
  const res = await fetch('/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
  });
  const body = (await res.json()) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
  if (!res.ok || !body.access_token) throw new ApiError(res.status, body, res.headers.get('x-request-id'));
  return { kind: 'partner', token: body.access_token, clientId, clientSecret, expiresAt: Date.now() + (body.expires_in ?? 900) * 1000 };
}

/** The typed client for the session, renewing a partner's access token a minute before it expires. */
export async function clientFor(session: Session, onRenewed: (s: Session) => void): Promise<TesseraClient> {
  let current = session;
  if (current.kind === 'partner' && current.clientId && current.clientSecret && (current.expiresAt ?? 0) - Date.now() < 60_000) {
    current = await exchange(current.clientId, current.clientSecret);
    saveSession(current);
    onRenewed(current);
  }
  return createTesseraClient(window.location.origin, current.token);
}

/** The data of an SDK call, or an ApiError carrying the problem. */
export async function data<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data: value, error, response } = await call;
  if (value !== undefined && response.ok) return value;
  const problem = (error && typeof error === 'object' ? error : {}) as ApiError['problem'];
  throw new ApiError(response.status, problem, (problem as { request_id?: string }).request_id ?? response.headers.get('x-request-id'));
}

/** The credential's kind as a person reads it. */
export function describe(session: Session): string {
  if (session.kind === 'partner') return `partner client ${session.clientId ?? ''} (test mode)`;
  const m = /^(sk|pk|rk)_(live|test)_/.exec(session.token);
  if (!m) return 'access token';
  return `${m[1] === 'sk' ? 'secret' : m[1] === 'pk' ? 'publishable' : 'restricted'} key, ${m[2]} mode`;
}

/** The typed client without a credential, for the public routes (partner signup). */
export function publicApi() {
  return createClient<paths>({ baseUrl: window.location.origin });
}
