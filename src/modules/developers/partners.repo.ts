import type { Mode, Queryable, SandboxEnv } from '../../platform/db/database.js';

export type PartnerKind = 'seller' | 'integrator';

export interface PartnerRow {
  id: string;
  name: string;
  email: string;
  kind: PartnerKind;
  status: 'pending' | 'approved';
  requested_scopes: string[];
  granted_scopes: string[] | null;
  test_seller_id: string | null;
  live_seller_id: string | null;
  /** The partner's own sandbox, where its test-mode clients work; null for partners from before sandboxes (the shared test schema). */
  sandbox: SandboxEnv | null;
  sandbox_reset_at: Date | null;
  created_at: Date;
  approved_at: Date | null;
}

export interface ClientRow {
  id: string;
  partner_id: string;
  env: Mode;
  scopes: string[];
  seller_id: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

/** A client with its partner's sandbox, as token checks need it. */
export interface ClientWithSandbox extends ClientRow {
  sandbox: SandboxEnv | null;
}

const PARTNER = 'id, name, email, kind, status, requested_scopes, granted_scopes, test_seller_id, live_seller_id, sandbox, sandbox_reset_at, created_at, approved_at';
const CLIENT = 'id, partner_id, env, scopes, seller_id, created_at, revoked_at';

export async function insertPartner(db: Queryable, row: Omit<PartnerRow, 'approved_at' | 'granted_scopes' | 'live_seller_id' | 'status' | 'sandbox_reset_at'>): Promise<PartnerRow> {
  const { rows } = await db.query<PartnerRow>(
    `INSERT INTO partners (id, name, email, kind, status, requested_scopes, test_seller_id, sandbox, created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8) RETURNING ${PARTNER}`,
    [row.id, row.name, row.email, row.kind, row.requested_scopes, row.test_seller_id, row.sandbox, row.created_at],
  );
  return rows[0]!;
}

/** Points the partner at a fresh sandbox; returns the one it replaces (locked first, so concurrent resets queue). */
export async function swapSandbox(db: Queryable, id: string, sandbox: SandboxEnv, at: Date): Promise<{ previous: SandboxEnv | null } | undefined> {
  const { rows } = await db.query<{ previous: SandboxEnv | null }>(
    `WITH old AS (SELECT id, sandbox FROM partners WHERE id = $1 FOR UPDATE)
     UPDATE partners p SET sandbox = $2, sandbox_reset_at = $3 FROM old WHERE p.id = old.id RETURNING old.sandbox AS previous`,
    [id, sandbox, at],
  );
  return rows[0];
}

/** The client `id` and its partner's sandbox. */
export async function findClientWithSandbox(db: Queryable, id: string): Promise<ClientWithSandbox | undefined> {
  const { rows } = await db.query<ClientWithSandbox>(
    `SELECT c.id, c.partner_id, c.env, c.scopes, c.seller_id, c.created_at, c.revoked_at, p.sandbox FROM oauth_clients c JOIN partners p ON p.id = c.partner_id WHERE c.id = $1`,
    [id],
    'oauth_client_with_sandbox',
  );
  return rows[0];
}

export async function findPartner(db: Queryable, id: string, forUpdate = false): Promise<PartnerRow | undefined> {
  const { rows } = await db.query<PartnerRow>(`SELECT ${PARTNER} FROM partners WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

export async function pagePartners(db: Queryable, after: string | undefined, limit: number): Promise<PartnerRow[]> {
  const { rows } = await db.query<PartnerRow>(`SELECT ${PARTNER} FROM partners WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`, [after ?? null, limit]);
  return rows;
}

export async function approvePartner(db: Queryable, id: string, granted: string[], liveSellerId: string | null, at: Date): Promise<PartnerRow> {
  const { rows } = await db.query<PartnerRow>(
    `UPDATE partners SET status = 'approved', granted_scopes = $2, live_seller_id = $3, approved_at = $4 WHERE id = $1 RETURNING ${PARTNER}`,
    [id, granted, liveSellerId, at],
  );
  return rows[0]!;
}

export async function insertClient(db: Queryable, row: Omit<ClientRow, 'revoked_at'>, secretHash: string): Promise<ClientRow> {
  const { rows } = await db.query<ClientRow>(
    `INSERT INTO oauth_clients (id, partner_id, env, scopes, seller_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${CLIENT}`,
    [row.id, row.partner_id, row.env, row.scopes, row.seller_id, row.created_at],
  );
  await insertSecret(db, row.id, secretHash, row.created_at);
  return rows[0]!;
}

export async function insertSecret(db: Queryable, clientId: string, hash: string, at: Date): Promise<void> {
  await db.query(`INSERT INTO oauth_client_secrets (secret_hash, client_id, created_at) VALUES ($1, $2, $3)`, [hash, clientId, at]);
}

export async function findClient(db: Queryable, id: string, forUpdate = false): Promise<ClientRow | undefined> {
  const { rows } = await db.query<ClientRow>(`SELECT ${CLIENT} FROM oauth_clients WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id], forUpdate ? undefined : 'oauth_client_find');
  return rows[0];
}

export async function clientsOf(db: Queryable, partnerId: string): Promise<ClientRow[]> {
  return clientsOfMany(db, [partnerId]);
}

export async function clientsOfMany(db: Queryable, partnerIds: readonly string[]): Promise<ClientRow[]> {
  const { rows } = await db.query<ClientRow>(`SELECT ${CLIENT} FROM oauth_clients WHERE partner_id = ANY($1) ORDER BY id`, [partnerIds]);
  return rows;
}

/** The client a presented secret authenticates: not revoked, and the secret not expired at `now`. */
export async function clientBySecret(db: Queryable, clientId: string, hash: string, now: Date): Promise<ClientWithSandbox | undefined> {
  const { rows } = await db.query<ClientWithSandbox>(
    `SELECT ${CLIENT.split(', ').map((c) => `c.${c}`).join(', ')}, p.sandbox FROM oauth_client_secrets s JOIN oauth_clients c ON c.id = s.client_id JOIN partners p ON p.id = c.partner_id
     WHERE s.secret_hash = $1 AND c.id = $2 AND c.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > $3)`,
    [hash, clientId, now],
  );
  return rows[0];
}

/** Gives every still-valid secret of the client an expiry at `until` (or keeps an earlier one). */
export async function expireSecrets(db: Queryable, clientId: string, now: Date, until: Date): Promise<void> {
  await db.query(
    `UPDATE oauth_client_secrets SET expires_at = LEAST(COALESCE(expires_at, $3), $3) WHERE client_id = $1 AND (expires_at IS NULL OR expires_at > $2)`,
    [clientId, now, until],
  );
}

export async function revokeClient(db: Queryable, id: string, at: Date): Promise<ClientRow | undefined> {
  const { rows } = await db.query<ClientRow>(`UPDATE oauth_clients SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING ${CLIENT}`, [id, at]);
  return rows[0];
}
