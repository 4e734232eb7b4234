import crypto from 'node:crypto';
import type { Mode, Queryable, SandboxEnv } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { PartnerErrors } from './partners.errors.js';
import type * as repo from './partners.repo.js';

/** Partners' shapes as the API shows them, their presenters, the ports onboarding needs, client secrets and scope rules. */

/**
 * What partner onboarding needs of the marketplace (filled in composition.ts): a pending seller
 * for a `seller` partner, in the environment of `ctx`.
 */
export interface SellerAccountsPort {
  /** @param id the seller's id: given when a sandbox reset makes the partner's test seller again. */
  createSeller(ctx: ServiceContext, input: { name: string; email: string }, partnerId: string, id?: string): Promise<{ id: string }>;
}

/** Partner sandboxes (platform/db/sandboxes.ts, filled in composition.ts): made migrated and seeded with the demo store. */
export interface SandboxesPort {
  create(): Promise<SandboxEnv>;
  /** Stops work in `env` once `tx` commits; its schema is dropped after a grace period. */
  retire(tx: Queryable, env: SandboxEnv): Promise<void>;
}

/** What `POST /v1/test_helpers/reset` answers. */
export interface SandboxReset {
  object: 'sandbox_reset';
  partner_id: string;
  environment: 'test';
  seller_id: string | null;
  reset_at: string;
}

/** Scopes a partner may never ask for: operator powers over keys, partners and OAuth. */
const RESERVED = new Set(['partners', 'api_keys', 'oauth', 'oauth_clients', 'metrics']);
const SCOPE = /^([a-z_]+):(read|write|\*)$/;
/** Active OAuth clients a partner may hold per mode. */
export const MAX_CLIENTS = 10;

export interface OAuthClient {
  id: string;
  object: 'oauth_client';
  partner_id: string;
  environment: Mode;
  scopes: string[];
  seller_id: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface Partner {
  id: string;
  object: 'partner';
  name: string;
  email: string;
  kind: repo.PartnerKind;
  status: 'pending' | 'approved';
  requested_scopes: string[];
  granted_scopes: string[] | null;
  test_seller_id: string | null;
  live_seller_id: string | null;
  clients: OAuthClient[];
  created_at: string;
  approved_at: string | null;
}

export interface IssuedCredentials {
  client_id: string;
  client_secret: string;
  environment: Mode;
  scopes: string[];
  seller_id: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentClient(r: repo.ClientRow): OAuthClient {
  return { id: r.id, object: 'oauth_client', partner_id: r.partner_id, environment: r.env, scopes: r.scopes, seller_id: r.seller_id, created_at: r.created_at.toISOString(), revoked_at: iso(r.revoked_at) };
}

export function presentPartner(p: repo.PartnerRow, clients: repo.ClientRow[]): Partner {
  return {
    id: p.id,
    object: 'partner',
    name: p.name,
    email: p.email,
    kind: p.kind,
    status: p.status,
    requested_scopes: p.requested_scopes,
    granted_scopes: p.granted_scopes,
    test_seller_id: p.test_seller_id,
    live_seller_id: p.live_seller_id,
    clients: clients.map(presentClient),
    created_at: p.created_at.toISOString(),
    approved_at: iso(p.approved_at),
  };
}

/** A client secret: `cs_<env>_` and 43 base64url characters (256 random bits); only its SHA-256 is stored. */
export function newSecret(env: Mode): string {
  return `cs_${env}_${crypto.randomBytes(32).toString('base64url')}`;
}

export function validScopes(scopes: readonly string[], pointer: string): string[] {
  const unique = [...new Set(scopes)];
  const bad = unique.filter((s) => {
    const m = SCOPE.exec(s);
    return !m || RESERVED.has(m[1]!);
  });
  if (bad.length || unique.length === 0) {
    throw new AppError(PartnerErrors.invalidScopes, `Invalid scopes: ${bad.join(', ') || '(none)'}. Use "resource:read", "resource:write" or "resource:*"; "*" and the operator resources (${[...RESERVED].join(', ')}) cannot be requested.`, [
      { detail: 'Invalid scope list.', pointer },
    ]);
  }
  return unique;
}
