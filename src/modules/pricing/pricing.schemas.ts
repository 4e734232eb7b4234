import { Type, type Static } from '@sinclair/typebox';
import { Amount, Currency, Metadata, Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';

const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, upper case.' });
/** A percentage with at most 4 decimals, e.g. 8.875; stored as parts per million. */
const TaxRate = Type.Number({ minimum: 0, maximum: 100, multipleOf: 0.0001, description: 'Percent, e.g. 8.875.' });
const CaptureMethod = StringEnum(['automatic', 'manual'], { description: '`manual`: payments are authorised at checkout and captured later.' });

const TaxOverride = Type.Object(
  { category_id: Type.String({ minLength: 1, maxLength: 64 }), tax_rate: TaxRate },
  { additionalProperties: false, description: 'The rate for products in this category or its descendants; the deepest matching category wins.' },
);

export const Region = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('region'),
    name: Type.String(),
    currency: Type.String(),
    countries: Type.Array(Type.String()),
    tax_rate: Type.Number(),
    tax_inclusive: Type.Boolean(),
    tax_overrides: Type.Array(Type.Object({ category_id: Type.String(), tax_rate: Type.Number() })),
    capture_method: CaptureMethod,
    metadata: Type.Record(Type.String(), Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Region' },
);
export type Region = Static<typeof Region>;

export const RegionCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    currency: Currency,
    countries: Type.Array(Country, { minItems: 1, maxItems: 250, uniqueItems: true }),
    tax_rate: TaxRate,
    tax_inclusive: Type.Optional(Type.Boolean({ default: false, description: 'true: prices include tax (VAT style).' })),
    tax_overrides: Type.Optional(Type.Array(TaxOverride, { maxItems: 100 })),
    capture_method: Type.Optional(CaptureMethod),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type RegionCreate = Static<typeof RegionCreate>;
/** Everything but the currency: carts and orders of the region are priced in it, so it never changes (create another region). */
export const RegionPatch = Type.Partial(Type.Omit(RegionCreate, ['currency']), { additionalProperties: false, minProperties: 1 });
export type RegionPatch = Static<typeof RegionPatch>;

const WeightBand = Type.Object(
  {
    max_grams: Nullable(Type.Integer({ minimum: 1 }), { description: 'Upper bound of the band, inclusive; null for no bound (the last band).' }),
    amount: Amount,
  },
  { additionalProperties: false },
);

export const ShippingPrice = Type.Union(
  [
    Type.Object({ type: Type.Literal('flat'), amount: Amount }, { additionalProperties: false }),
    Type.Object(
      { type: Type.Literal('weight'), bands: Type.Array(WeightBand, { minItems: 1, maxItems: 50, description: 'Ascending by max_grams.' }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'A flat rate, or a price by total cart weight in bands.' },
);
export type ShippingPrice = Static<typeof ShippingPrice>;

export const ShippingOption = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('shipping_option'),
    region_id: Type.String(),
    name: Type.String(),
    price: ShippingPrice,
    free_over_amount: Nullable(Type.Integer(), { description: 'Shipping is free once the discounted subtotal reaches this.' }),
    active: Type.Boolean(),
    metadata: Type.Record(Type.String(), Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'ShippingOption' },
);
export type ShippingOption = Static<typeof ShippingOption>;

export const ShippingOptionCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    price: ShippingPrice,
    free_over_amount: Type.Optional(Nullable(Amount)),
    active: Type.Optional(Type.Boolean({ default: true })),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type ShippingOptionCreate = Static<typeof ShippingOptionCreate>;
export const ShippingOptionPatch = Type.Partial(ShippingOptionCreate, { additionalProperties: false, minProperties: 1 });
export type ShippingOptionPatch = Static<typeof ShippingOptionPatch>;

/** Percent (8.875) to parts per million (88750), exactly: the schema allows 4 decimals at most. */
export function percentToPpm(percent: number): number {
  return Math.round(percent * 10_000);
}
export function ppmToPercent(ppm: number): number {
  return ppm / 10_000;
}
