import type { Queryable } from '../../platform/db/database.js';
import { setClause } from '../../platform/db/sql.js';
import type { ShippingPrice } from './pricing.schemas.js';

export interface RegionRow {
  id: string;
  name: string;
  currency: string;
  countries: string[];
  tax_rate_ppm: number;
  tax_inclusive: boolean;
  tax_overrides: { category_id: string; rate_ppm: number }[];
  capture_method: 'automatic' | 'manual';
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

export interface ShippingOptionRow {
  id: string;
  region_id: string;
  name: string;
  price: ShippingPrice;
  free_over_amount: number | null;
  active: boolean;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

const REGION_COLUMNS = `r.id, r.name, r.currency, r.tax_rate_ppm, r.tax_inclusive, r.tax_overrides, r.capture_method, r.metadata, r.created_at, r.updated_at,
  coalesce((SELECT array_agg(c.country ORDER BY c.country) FROM region_countries c WHERE c.region_id = r.id), '{}') AS countries`;

export async function findRegions(db: Queryable, ids: readonly string[]): Promise<RegionRow[]> {
  const { rows } = await db.query<RegionRow>(`SELECT ${REGION_COLUMNS} FROM regions r WHERE r.id = ANY($1)`, [ids]);
  return rows;
}

export async function pageRegions(db: Queryable, after: string | undefined, limit: number): Promise<RegionRow[]> {
  const { rows } = await db.query<RegionRow>(`SELECT ${REGION_COLUMNS} FROM regions r WHERE ($1::text IS NULL OR r.id > $1) ORDER BY r.id LIMIT $2`, [after ?? null, limit]);
  return rows;
}

export type RegionWrite = Omit<RegionRow, 'countries' | 'created_at' | 'updated_at'>;

export async function insertRegion(tx: Queryable, r: RegionWrite, now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO regions (id, name, currency, tax_rate_ppm, tax_inclusive, tax_overrides, capture_method, metadata, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
    [r.id, r.name, r.currency, r.tax_rate_ppm, r.tax_inclusive, JSON.stringify(r.tax_overrides), r.capture_method, r.metadata, now],
  );
}

export async function updateRegion(tx: Queryable, id: string, fields: Partial<RegionWrite>, now: Date): Promise<boolean> {
  const { tax_overrides, ...rest } = fields;
  const set = setClause({ ...rest, tax_overrides: tax_overrides && JSON.stringify(tax_overrides) }, 3);
  const { rowCount } = await tx.query(`UPDATE regions SET ${set.sql ? `${set.sql}, ` : ''}updated_at = $2 WHERE id = $1`, [id, now, ...set.values]);
  return rowCount === 1;
}

/** Replaces the region's countries; a country held by another region violates the primary key. */
export async function replaceCountries(tx: Queryable, regionId: string, countries: readonly string[]): Promise<void> {
  await tx.query('DELETE FROM region_countries WHERE region_id = $1', [regionId]);
  await tx.query('INSERT INTO region_countries (country, region_id) SELECT unnest($2::text[]), $1', [regionId, countries]);
}

export async function deleteRegion(tx: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM regions WHERE id = $1', [id]);
  return rowCount === 1;
}

export async function shippingOptionsOf(db: Queryable, regionIds: readonly string[]): Promise<ShippingOptionRow[]> {
  const { rows } = await db.query<ShippingOptionRow>('SELECT * FROM shipping_options WHERE region_id = ANY($1) ORDER BY id', [regionIds]);
  return rows;
}

export async function findShippingOption(db: Queryable, id: string): Promise<ShippingOptionRow | undefined> {
  const { rows } = await db.query<ShippingOptionRow>('SELECT * FROM shipping_options WHERE id = $1', [id]);
  return rows[0];
}

export type ShippingOptionWrite = Omit<ShippingOptionRow, 'created_at' | 'updated_at'>;

export async function insertShippingOption(tx: Queryable, o: ShippingOptionWrite, now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO shipping_options (id, region_id, name, price, free_over_amount, active, metadata, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
    [o.id, o.region_id, o.name, JSON.stringify(o.price), o.free_over_amount, o.active, o.metadata, now],
  );
}

export async function updateShippingOption(tx: Queryable, id: string, fields: Partial<ShippingOptionWrite>, now: Date): Promise<string | undefined> {
  const { price, ...rest } = fields;
  const set = setClause({ ...rest, price: price && JSON.stringify(price) }, 3);
  const { rows } = await tx.query<{ region_id: string }>(
    `UPDATE shipping_options SET ${set.sql ? `${set.sql}, ` : ''}updated_at = $2 WHERE id = $1 RETURNING region_id`,
    [id, now, ...set.values],
  );
  return rows[0]?.region_id;
}

export async function deleteShippingOption(tx: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ region_id: string }>('DELETE FROM shipping_options WHERE id = $1 RETURNING region_id', [id]);
  return rows[0]?.region_id;
}
