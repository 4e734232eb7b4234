import type { Queryable } from '../../platform/db/database.js';

export const DEMO_LOCATION = 'sloc_demo_main';

/**
 * A demo warehouse holding `units` of every given SKU (new installations' test mode). Levels that
 * exist are left alone, so re-running never resets stock. Emits no events, like the catalog's
 * seed: demo data is not a change made through the API.
 */
export async function seedStock(tx: Queryable, skus: readonly string[], units: number): Promise<number> {
  await tx.query(`INSERT INTO stock_locations (id, name, code) VALUES ($1, 'Main warehouse', 'MAIN') ON CONFLICT (id) DO NOTHING`, [DEMO_LOCATION]);
  const { rowCount } = await tx.query(
    'INSERT INTO stock_levels (sku, location_id, on_hand) SELECT unnest($1::text[]), $2, $3 ON CONFLICT (sku, location_id) DO NOTHING',
    [skus, DEMO_LOCATION, units],
  );
  return rowCount ?? 0;
}
