import crypto from 'node:crypto';
import { jwtVerify, SignJWT, errors as joseErrors, decodeProtectedHeader, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { EnvDb, Environment, Mode } from '../../platform/db/database.js';
import type { InvalidationBus } from '../../platform/db/invalidation.js';
import { hashKey } from '../../platform/crypto/keys.js';
import { scopeCovers } from '../../platform/http/auth.js';
import type { Credential } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { PartnerErrors } from './partners.errors.js';
import * as repo from './partners.repo.js';
import { SIGNING_ALG, type SigningKeys } from './jwks.js';
import type { SellerStatusLookup } from './keys.service.js';

export const CLIENT_TOPIC = 'oauth_client';

export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

/** An RFC 6749 §5.2 error: answered as `{ error, error_description }`, not as a problem. */
export class OAuthError extends Error {
  readonly status: 400 | 401;
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(description);
    this.status = error === 'invalid_client' ? 401 : 400;
  }
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** A client as token checks need it; cached per process, dropped through the invalidation bus. */
interface ClientState {
  mode: Mode;
  /** Where its tokens work: live, or the partner's own sandbox (the shared test schema for partners from before sandboxes). */
  env: Environment;
  revoked: boolean;
  partnerId: string;
  sellerId: string | null;
  sellerStatus: string | undefined;
}

export interface OAuthOptions {
  issuer: string;
  audience: string;
  tokenTtlSeconds: number;
  now: () => Date;
  sellerStatus?: SellerStatusLookup;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

function invalidToken(reason: string): AppError {
  return new AppError(PartnerErrors.invalidToken, reason, [], {
    'www-authenticate': `Bearer realm="tessera", error="invalid_token", error_description="${reason.replace(/["\\]/g, '')}"`,
  });
}

/** Where a client's tokens work: live mode, or its partner's sandbox. */
export function clientEnv(row: Pick<repo.ClientWithSandbox, 'env' | 'sandbox'>): Environment {
  return row.env === 'live' ? 'live' : (row.sandbox ?? 'test');
}

/** True when a presented bearer token is shaped like a JWT (three base64url parts), not an API key. */
export function looksLikeJwt(token: string): boolean {
  return token.startsWith('eyJ') && token.split('.').length === 3;
}

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) with RFC 9068 JWT access tokens, and the check of
 * a presented access token on every request: signature against the published keys, `typ`, `iss`,
 * `aud`, `exp`, then the client itself (revoked clients' tokens stop at once; a token whose
 * environment is not its client's is refused).
 */
export class OAuthService {
  private readonly clients = new LRUCache<string, ClientState | false>({ max: 10_000, ttl: 60_000 });
  private generation = 0;

  constructor(
    private readonly db: EnvDb,
    private readonly keys: SigningKeys,
    bus: InvalidationBus,
    private readonly options: OAuthOptions,
  ) {
    bus.on(CLIENT_TOPIC, (_env, id) => this.forget(id), () => this.forgetAll());
    bus.on('seller', () => this.forgetAll(), () => this.forgetAll());
  }

  forget(clientId: string): void {
    this.generation++;
    this.clients.delete(clientId);
  }

  private forgetAll(): void {
    this.generation++;
    this.clients.clear();
  }

  /** `POST /oauth/token`: authenticates the client and issues an access token, or throws an OAuthError. */
  async token(clientId: string, clientSecret: string, grantType: string | undefined, scope: string | undefined): Promise<TokenResponse> {
    const now = this.options.now();
    const client = await repo.clientBySecret(this.db, clientId, hashKey(clientSecret), now);
    if (!client) throw new OAuthError('invalid_client', 'Client authentication failed: unknown client, wrong or expired secret, or revoked client.');
    if (grantType !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
    let scopes = client.scopes;
    if (scope !== undefined) {
      const asked = scope.split(' ');
      if (asked.some((s) => !SCOPE_TOKEN.test(s))) throw new OAuthError('invalid_scope', 'The scope parameter must be scope tokens separated by single spaces.');
      const wider = asked.filter((s) => !scopeCovers(client.scopes, s));
      if (wider.length) throw new OAuthError('invalid_scope', `The client was not granted: ${wider.join(' ')}.`);
      scopes = [...new Set(asked)];
    }
    if (client.seller_id) {
      const status = this.options.sellerStatus ? await this.options.sellerStatus(clientEnv(client), client.seller_id) : undefined;
      if (status !== 'pending' && status !== 'active') throw new OAuthError('unauthorized_client', `The client's seller ${client.seller_id} is ${status ?? 'missing'}.`);
    }
    const { kid, key } = await this.keys.signing();
    const iat = Math.floor(now.getTime() / 1000);
    const claims: JWTPayload = {
      client_id: client.id,
      scope: scopes.join(' '),
      tessera_env: client.env,
      partner_id: client.partner_id,
      ...(client.seller_id ? { seller_id: client.seller_id } : {}),
    };
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALG, typ: 'at+jwt', kid })
      .setIssuer(this.options.issuer)
      .setSubject(client.id)
      .setAudience(this.options.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.options.tokenTtlSeconds)
      .setJti(crypto.randomUUID())
      .sign(key);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: this.options.tokenTtlSeconds, scope: scopes.join(' ') };
  }

  /** Verifies an access token and turns it into the request's credential; throws 401 when it is not valid now. */
  async authenticate(token: string): Promise<Credential> {
    let payload: JWTPayload;
    try {
      const { kid } = decodeProtectedHeader(token);
      const key = typeof kid === 'string' ? await this.keys.verificationKey(kid) : undefined;
      if (!key) throw invalidToken('The access token was not signed by a published key.');
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [SIGNING_ALG],
        typ: 'at+jwt',
        issuer: this.options.issuer,
        audience: this.options.audience,
        currentDate: this.options.now(),
        requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'scope', 'tessera_env'],
      }));
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw invalidToken('The access token expired.');
      if (err instanceof joseErrors.JOSEError || err instanceof TypeError) throw invalidToken('The access token is not valid.');
      throw err;
    }
    const clientId = String(payload.client_id);
    const env = payload.tessera_env;
    const client = await this.client(clientId);
    if (!client || client.revoked) throw invalidToken('The access token was issued to a revoked client.');
    if (env !== client.mode) throw invalidToken(`The access token is not a ${client.mode}-mode token.`);
    const sellerId = typeof payload.seller_id === 'string' ? payload.seller_id : null;
    if (sellerId !== client.sellerId) throw invalidToken('The access token does not match its client.');
    if (sellerId && client.sellerStatus !== 'pending' && client.sellerStatus !== 'active') throw invalidToken(`The seller ${sellerId} is ${client.sellerStatus ?? 'missing'}.`);
    return { id: clientId, type: 'restricted', env: client.env, scopes: String(payload.scope).split(' ').filter(Boolean), sellerId, partnerId: client.partnerId };
  }

  private async client(id: string): Promise<ClientState | false> {
    const cached = this.clients.get(id);
    if (cached !== undefined) return cached;
    const seen = this.generation;
    const row = await repo.findClientWithSandbox(this.db, id);
    let state: ClientState | false = false;
    if (row) {
      const env = clientEnv(row);
      const sellerStatus = row.seller_id && this.options.sellerStatus ? await this.options.sellerStatus(env, row.seller_id) : undefined;
      state = { mode: row.env, env, revoked: row.revoked_at !== null, partnerId: row.partner_id, sellerId: row.seller_id, sellerStatus };
    }
    if (this.generation === seen) this.clients.set(id, state);
    return state;
  }
}
