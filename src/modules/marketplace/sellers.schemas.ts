import { Type, type Static } from '@sinclair/typebox';
import { Amount, Metadata, Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';

export const SELLER_STATUSES = ['pending', 'active', 'suspended'] as const;
export type SellerStatus = (typeof SELLER_STATUSES)[number];

const RatePpm = Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Parts per million: 12.5 % is 125000.' });

/** A seller's negotiated commission terms (commission.ts `SellerCommissionOverride`); each field falls back to the platform's. */
export const SellerCommission = Type.Object(
  {
    rate_ppm: Type.Optional(RatePpm),
    category_rates_ppm: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 64 }), RatePpm, { maxProperties: 200, description: 'By category id; the deepest matching category wins.' }),
    ),
    fixed_fee_per_order: Type.Optional(Amount),
    minimum_fee: Type.Optional(Amount),
  },
  { additionalProperties: false, description: 'Overrides of the platform commission; `{}` for none.' },
);
export type SellerCommission = Static<typeof SellerCommission>;

/** What a response shows of payout details: never the account number, only its last four characters. */
export const PayoutSummary = Type.Object({
  type: StringEnum(['iban', 'bank_account']),
  account_holder: Type.String(),
  last4: Type.String(),
});

export const Seller = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('seller'),
    name: Type.String(),
    email: Type.String(),
    status: StringEnum(SELLER_STATUSES),
    partner_id: Nullable(Type.String()),
    commission: SellerCommission,
    payout_details: Nullable(PayoutSummary, { description: 'Stored encrypted; only the holder and the last four characters are ever returned.' }),
    metadata: Type.Record(Type.String(), Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Seller' },
);
export type Seller = Static<typeof Seller>;

export const PayoutDetailsInput = Type.Object(
  {
    account_holder: Type.String({ minLength: 1, maxLength: 200 }),
    iban: Type.Optional(Type.String({ minLength: 15, maxLength: 42, description: 'An IBAN (spaces allowed); or give account_number.' })),
    account_number: Type.Optional(Type.String({ pattern: '^[0-9]{4,17}$', description: 'A domestic account number; with routing_number.' })),
    routing_number: Type.Optional(Type.String({ pattern: '^[0-9]{9}$' })),
  },
  { additionalProperties: false },
);
export type PayoutDetailsInput = Static<typeof PayoutDetailsInput>;

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Email = Type.String({ format: 'email', maxLength: 254 });

export const SellerCreate = Type.Object(
  {
    name: Name,
    email: Email,
    payout_details: Type.Optional(PayoutDetailsInput),
    commission: Type.Optional(SellerCommission),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type SellerCreate = Static<typeof SellerCreate>;

export const SellerPatch = Type.Object(
  {
    name: Type.Optional(Name),
    email: Type.Optional(Email),
    payout_details: Type.Optional(Nullable(PayoutDetailsInput, { description: 'New details replace the old ones; null removes them.' })),
    commission: Type.Optional(SellerCommission),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false, minProperties: 1, description: 'Status changes through activate, suspend and reinstate.' },
);
export type SellerPatch = Static<typeof SellerPatch>;

export const SellerListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1–100.' }),
    starting_after: Type.Optional(Type.String({ maxLength: 64, description: 'Cursor: the `next_cursor` of the previous page.' })),
    status: Type.Optional(StringEnum(SELLER_STATUSES)),
  },
  { additionalProperties: false },
);

export const SellerKeyCreate = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    scopes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 50, description: 'Default: the seller scopes (SELLER_KEY_SCOPES).' })),
  },
  { additionalProperties: false },
);
export type SellerKeyCreate = Static<typeof SellerKeyCreate>;
