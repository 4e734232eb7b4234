import type { FastifyRequest } from 'fastify';
import { AppError, Errors } from './errors.js';
import type { Credential, RouteAuth } from './context.js';

/** Looks a presented token up; null when no such live key exists. Supplied by the keys module. */
/**
 * Resolves a bearer token to its credential. `partner` is the request's `Tessera-Partner` header:
 * an operator's test-mode key acting in that partner's sandbox (as Stripe-Account does for Connect).
 */
export type CredentialResolver = (token: string, partner?: string) => Promise<Credential | null>;

function partnerHeader(request: FastifyRequest): string | undefined {
  const value = request.headers['tessera-partner'];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * True when `granted` covers `needed`: an exact match, `*`, a resource wildcard (`catalog:*`), or
 * a write scope, which implies read on the same resource.
 */
export function scopeCovers(granted: readonly string[], needed: string): boolean {
  const [resource] = needed.split(':');
  for (const g of granted) {
    if (g === '*' || g === needed || g === `${resource}:*`) return true;
    if (needed.endsWith(':read') && g === `${resource}:write`) return true;
  }
  return false;
}

/** The scopes in `needed` that `granted` does not cover. */
export function missingScopes(granted: readonly string[], needed: readonly string[]): string[] {
  return needed.filter((s) => !scopeCovers(granted, s));
}

/**
 * The presented bearer token: an API key or an OAuth access token (a JWT). On a public route an
 * Authorization header of another scheme is not ours to judge (HTTP Basic client authentication
 * at `POST /oauth/token`), so it is ignored there.
 */
function bearer(request: FastifyRequest, isPublic = false): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  if (isPublic && !/^Bearer\s/i.test(header)) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new AppError(Errors.invalidApiKey, 'The Authorization header must be "Bearer <api key>".', [], { 'www-authenticate': 'Bearer error="invalid_request"' });
  return m[1]!;
}

/** Authenticates the request and checks the route's declared scopes. Throws a 401 or 403 problem. */
export async function authorize(request: FastifyRequest, auth: RouteAuth, resolve: CredentialResolver): Promise<void> {
  const token = bearer(request, 'public' in auth);
  if ('public' in auth) {
    // Public routes still honour a credential when one is sent (it selects the environment).
    if (token) request.ctx.credential = await resolve(token, partnerHeader(request));
    return;
  }
  if (!token) {
    throw new AppError(Errors.authenticationRequired, 'This route needs an API key: send "Authorization: Bearer <key>".', [], {
      'www-authenticate': 'Bearer realm="tessera"',
    });
  }
  const credential = await resolve(token, partnerHeader(request));
  if (!credential) {
    throw new AppError(Errors.invalidApiKey, 'The API key is not valid: it is unknown, malformed or revoked.', [], {
      'www-authenticate': 'Bearer realm="tessera", error="invalid_token"',
    });
  }
  request.ctx.credential = credential;
  if (credential.sellerId && !auth.sellers) {
    throw new AppError(Errors.insufficientScope, 'Seller keys cannot use this route.', [], {
      'www-authenticate': 'Bearer realm="tessera", error="insufficient_scope"',
    });
  }
  const missing = missingScopes(credential.scopes, auth.scopes);
  if (missing.length) {
    throw new AppError(Errors.insufficientScope, `This key lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`, [], {
      'www-authenticate': `Bearer realm="tessera", error="insufficient_scope", scope="${missing.join(' ')}"`,
    });
  }
}
