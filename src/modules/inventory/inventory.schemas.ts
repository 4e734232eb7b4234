import { Type, type Static } from '@sinclair/typebox';
import { IdParam, Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';

/** The catalog's variant SKU pattern: inventory refers to variants by SKU. */
export const Sku = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'A variant SKU.' });
const Quantity = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });

export const Address = Type.Object(
  {
    line1: Type.Optional(Type.String({ maxLength: 200 })),
    line2: Type.Optional(Type.String({ maxLength: 200 })),
    city: Type.Optional(Type.String({ maxLength: 100 })),
    region: Type.Optional(Type.String({ maxLength: 100 })),
    postal_code: Type.Optional(Type.String({ maxLength: 20 })),
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, upper case.' })),
  },
  { additionalProperties: false },
);
export type Address = Static<typeof Address>;

const locationFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  code: Nullable(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$', description: 'Short operator code, unique when set.' })),
  address: Nullable(Address),
  active: Type.Boolean({ description: 'Inactive locations keep their stock, but new reservations take none of it.' }),
};

export const StockLocation = Type.Object(
  { id: Type.String(), object: Type.Literal('stock_location'), ...locationFields, created_at: Timestamp, updated_at: Timestamp },
  { $id: 'StockLocation' },
);
export type StockLocation = Static<typeof StockLocation>;

export const StockLocationCreate = Type.Object(
  { name: locationFields.name, code: Type.Optional(locationFields.code), address: Type.Optional(locationFields.address), active: Type.Optional(locationFields.active) },
  { additionalProperties: false },
);
export type StockLocationCreate = Static<typeof StockLocationCreate>;

export const StockLocationPatch = Type.Partial(Type.Object(locationFields), { additionalProperties: false, minProperties: 1 });
export type StockLocationPatch = Static<typeof StockLocationPatch>;

export const StockLevel = Type.Object(
  {
    object: Type.Literal('stock_level'),
    sku: Type.String(),
    location_id: Type.String(),
    on_hand: Type.Integer({ description: 'Units physically at the location.' }),
    reserved: Type.Integer({ description: 'Units held by active reservations (checkouts in progress).' }),
    available: Type.Integer({ description: 'on_hand − reserved.' }),
    updated_at: Timestamp,
  },
  { $id: 'StockLevel' },
);
export type StockLevel = Static<typeof StockLevel>;

const LocationAvailability = Type.Object({
  location_id: Type.String(),
  active: Type.Boolean(),
  on_hand: Type.Integer(),
  reserved: Type.Integer(),
  available: Type.Integer(),
});

export const Availability = Type.Object(
  {
    object: Type.Literal('inventory_item'),
    sku: Type.String(),
    tracked: Type.Boolean({ description: 'false: the SKU never runs out (digital goods, made to order); reservations hold no units.' }),
    on_hand: Type.Integer({ description: 'Sum over active locations.' }),
    reserved: Type.Integer({ description: 'Sum over active locations.' }),
    available: Type.Integer({ description: 'Units a new reservation can take now, over active locations.' }),
    locations: Type.Array(LocationAvailability, { description: 'Every location holding a stock level for the SKU, inactive ones included.' }),
  },
  { $id: 'InventoryItem' },
);
export type Availability = Static<typeof Availability>;

export const ReservationStatus = StringEnum(['active', 'committed', 'released', 'expired']);
export type ReservationStatus = Static<typeof ReservationStatus>;

export const Reservation = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('reservation'),
    reference: Type.String({ description: 'What the hold is for, e.g. a cart id.' }),
    status: ReservationStatus,
    expires_at: Timestamp,
    lines: Type.Array(
      Type.Object({
        sku: Type.String(),
        location_id: Nullable(Type.String(), { description: 'null for an untracked SKU: no units are held.' }),
        quantity: Type.Integer(),
        shipped: Type.Integer({ description: 'Units shipped: taken off hand (and out of reserved) when the shipment was created.' }),
        released: Type.Integer({ description: 'Units of the committed allocation given back unshipped (order canceled or refunded).' }),
        restocked: Type.Integer({ description: 'Shipped units put back on hand (returned to stock on a refund).' }),
      }),
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Reservation' },
);
export type Reservation = Static<typeof Reservation>;

export const AdjustmentKind = StringEnum(['set', 'adjustment', 'commit', 'restock', 'ship']);

const adjustmentProps = {
  id: Type.String(),
  object: Type.Literal('stock_adjustment'),
  sku: Type.String(),
  location_id: Type.String(),
  kind: AdjustmentKind,
  delta: Type.Integer({ description: 'Change of on_hand.' }),
  on_hand_after: Type.Integer(),
  reason: Nullable(Type.String()),
  reservation_id: Nullable(Type.String()),
  actor: Nullable(Type.String({ description: 'The API key that made the change.' })),
  request_id: Nullable(Type.String()),
  created_at: Timestamp,
};
export const StockAdjustment = Type.Object(adjustmentProps, { $id: 'StockAdjustment' });
export type StockAdjustment = Static<typeof StockAdjustment>;
/** An adjustment just made, with the stock level it left behind. */
export const StockAdjustmentCreated = Type.Object({ ...adjustmentProps, level: Type.Ref(StockLevel) });
export type StockAdjustmentCreated = StockAdjustment & { level: StockLevel };

export const SetLevelBody = Type.Object({ on_hand: Quantity, reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false });
export const AdjustBody = Type.Object(
  {
    delta: Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000, description: 'Units to add (positive) or remove (negative); not 0.' }),
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why, for the ledger: "received PO 1234", "damaged", "cycle count".' }),
  },
  { additionalProperties: false },
);
export const LevelParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), sku: Sku }, { additionalProperties: false });
export const IdParams = IdParam;
export const SkuParams = Type.Object({ sku: Sku }, { additionalProperties: false });
