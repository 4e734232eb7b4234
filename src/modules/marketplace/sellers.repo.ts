import type { Queryable } from '../../platform/db/database.js';
import { setClause } from '../../platform/db/sql.js';
import type { SellerCommissionOverride } from './commission.js';
import type { SellerStatus } from './sellers.schemas.js';

export interface SellerRow {
  id: string;
  name: string;
  email: string;
  status: SellerStatus;
  partner_id: string | null;
  /** commission.ts `SellerCommissionOverride` as stored (camelCase); `{}` = platform terms. */
  commission: SellerCommissionOverride;
  payout_ciphertext: string | null;
  payout_key_id: string | null;
  payout_last4: string | null;
  payout_method: 'iban' | 'bank_account' | null;
  payout_account_holder: string | null;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

/** The payout columns, written together (all null to remove the details). */
export interface PayoutColumns {
  payout_ciphertext: string | null;
  payout_key_id: string | null;
  payout_last4: string | null;
  payout_method: 'iban' | 'bank_account' | null;
  payout_account_holder: string | null;
}

const COLUMNS = `id, name, email, status, partner_id, commission, payout_ciphertext, payout_key_id, payout_last4, payout_method,
  payout_account_holder, metadata, created_at, updated_at`;

/**
 * Inserts a seller; undefined when it is a partner's and that partner already has one
 * (`sellers_partner`: a retried or concurrent approval finds the seller already made).
 */
export async function insertSeller(tx: Queryable, row: Omit<SellerRow, 'created_at' | 'updated_at'>, now: Date): Promise<SellerRow | undefined> {
  const { rows } = await tx.query<SellerRow>(
    `INSERT INTO sellers (id, name, email, status, partner_id, commission, payout_ciphertext, payout_key_id, payout_last4, payout_method,
       payout_account_holder, metadata, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
     ON CONFLICT (partner_id) WHERE partner_id IS NOT NULL DO NOTHING RETURNING ${COLUMNS}`,
    [
      row.id, row.name, row.email, row.status, row.partner_id, JSON.stringify(row.commission), row.payout_ciphertext, row.payout_key_id, row.payout_last4,
      row.payout_method, row.payout_account_holder, JSON.stringify(row.metadata), now,
    ],
  );
  return rows[0];
}

export async function findPartnerSeller(db: Queryable, partnerId: string): Promise<SellerRow | undefined> {
  const { rows } = await db.query<SellerRow>(`SELECT ${COLUMNS} FROM sellers WHERE partner_id = $1`, [partnerId]);
  return rows[0];
}

export async function findSeller(db: Queryable, id: string, lock = false): Promise<SellerRow | undefined> {
  const { rows } = await db.query<SellerRow>(`SELECT ${COLUMNS} FROM sellers WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

/** Sellers by id (any order); unknown ids are absent. */
export async function findSellers(db: Queryable, ids: readonly string[]): Promise<SellerRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<SellerRow>(`SELECT ${COLUMNS} FROM sellers WHERE id = ANY($1::text[])`, [ids]);
  return rows;
}

/** One page of sellers by id (creation order), optionally of one status. */
export async function pageSellers(db: Queryable, after: string | undefined, limit: number, status: SellerStatus | undefined): Promise<SellerRow[]> {
  const { rows } = await db.query<SellerRow>(
    `SELECT ${COLUMNS} FROM sellers WHERE ($1::text IS NULL OR id > $1) AND ($3::text IS NULL OR status = $3) ORDER BY id LIMIT $2`,
    [after ?? null, limit, status ?? null],
  );
  return rows;
}

export type SellerWrite = Partial<Pick<SellerRow, 'name' | 'email' | 'status' | 'commission' | 'metadata'> & PayoutColumns>;

/** Writes the given columns; returns the row as written, or undefined when there is no such seller. */
export async function updateSeller(tx: Queryable, id: string, fields: SellerWrite, now: Date): Promise<SellerRow | undefined> {
  const { commission, metadata, ...rest } = fields;
  const set = setClause({ ...rest, commission: commission && JSON.stringify(commission), metadata: metadata && JSON.stringify(metadata) }, 3);
  const { rows } = await tx.query<SellerRow>(`UPDATE sellers SET ${set.sql ? `${set.sql}, ` : ''}updated_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [id, now, ...set.values]);
  return rows[0];
}

/** The status of a seller, or undefined when there is none (the auth path: one indexed read). */
export async function sellerStatus(db: Queryable, id: string): Promise<SellerStatus | undefined> {
  const { rows } = await db.query<{ status: SellerStatus }>('SELECT status FROM sellers WHERE id = $1', [id], 'marketplace_seller_status');
  return rows[0]?.status;
}

/**
 * The status of a seller under a share lock, in a transaction: a status change (which locks the
 * seller for update) waits for that transaction, and that transaction for a change in progress.
 */
export async function sellerStatusLocked(tx: Queryable, id: string): Promise<SellerStatus | undefined> {
  const { rows } = await tx.query<{ status: SellerStatus }>('SELECT status FROM sellers WHERE id = $1 FOR SHARE', [id], 'marketplace_seller_status_locked');
  return rows[0]?.status;
}
