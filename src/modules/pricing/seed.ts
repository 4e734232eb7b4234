import type { Queryable } from '../../platform/db/database.js';

/** The demo regions' ids: fixed, so the README's tour can name them. */
export const DEMO_REGIONS = { us: 'reg_demo_us', eu: 'reg_demo_eu' } as const;

/**
 * Demo regions for a new installation's test mode: the US (USD, 8.875 % sales tax on top, flat
 * or weight-band shipping, free over 50.00) and the EU (EUR, 20 % VAT included). Idempotent.
 */
export async function seedRegions(tx: Queryable): Promise<number> {
  const { rowCount } = await tx.query(
    `INSERT INTO regions (id, name, currency, tax_rate_ppm, tax_inclusive) VALUES
       ('${DEMO_REGIONS.us}', 'United States', 'USD', 88750, false),
       ('${DEMO_REGIONS.eu}', 'European Union', 'EUR', 200000, true)
     ON CONFLICT (id) DO NOTHING`,
  );
  await tx.query(
    `INSERT INTO region_countries (country, region_id)
     SELECT c, $1 FROM unnest(ARRAY['US']) c UNION ALL SELECT c, $2 FROM unnest(ARRAY['DE', 'FR', 'NL', 'IT', 'ES', 'BE', 'AT', 'IE']) c
     ON CONFLICT (country) DO NOTHING`,
    [DEMO_REGIONS.us, DEMO_REGIONS.eu],
  );
  await tx.query(
    `INSERT INTO shipping_options (id, region_id, name, price, free_over_amount) VALUES
       ('shipopt_demo_us_standard', $1, 'Standard (3–5 days)', '{"type":"flat","amount":599}', 5000),
       ('shipopt_demo_us_weight', $1, 'Ground by weight', '{"type":"weight","bands":[{"max_grams":1000,"amount":499},{"max_grams":5000,"amount":999},{"max_grams":null,"amount":1999}]}', NULL),
       ('shipopt_demo_eu_standard', $2, 'Standard', '{"type":"flat","amount":495}', 6000)
     ON CONFLICT (id) DO NOTHING`,
    [DEMO_REGIONS.us, DEMO_REGIONS.eu],
  );
  return rowCount ?? 0;
}
