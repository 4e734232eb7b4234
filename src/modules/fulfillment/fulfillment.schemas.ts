import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';
import { CANONICAL_STATUSES, CARRIERS } from './carriers/carrier.js';

const Status = StringEnum(CANONICAL_STATUSES);

export const Shipment = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('shipment'),
    order_id: Type.String(),
    carrier: StringEnum(CARRIERS),
    tracking_number: Type.String(),
    location_id: Type.String(),
    seller_id: Nullable(Type.String(), { description: "The marketplace seller whose lines it carries (a shipment never mixes sellers); null for the platform's own lines." }),
    status: Status,
    raw_code: Nullable(Type.String(), { description: "The carrier's own code behind `status`." }),
    raw_message: Nullable(Type.String()),
    status_at: Nullable(Timestamp, { description: 'When the scan behind `status` happened (carrier time).' }),
    delivered_at: Nullable(Timestamp),
    lines: Type.Array(Type.Object({ line_id: Type.String(), quantity: Type.Integer() })),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Shipment' },
);
export type Shipment = Static<typeof Shipment>;

export const CreateShipmentBody = Type.Object(
  {
    lines: Type.Array(Type.Object({ line_id: Type.String({ maxLength: 64 }), quantity: Type.Integer({ minimum: 1, maximum: 10_000 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
    carrier: StringEnum(CARRIERS),
    tracking_number: Type.String({ pattern: '^[A-Za-z0-9-]{4,64}$' }),
    location_id: Type.String({ maxLength: 64, description: 'The stock location the parcel leaves from.' }),
  },
  { additionalProperties: false },
);

export const Tracking = Type.Object({
  object: Type.Literal('shipment_tracking'),
  shipment_id: Type.String(),
  carrier: StringEnum(CARRIERS),
  tracking_number: Type.String(),
  status: Status,
  events: Type.Array(
    Type.Object({
      status: Status,
      raw_code: Type.String(),
      raw_message: Type.String(),
      occurred_at: Timestamp,
      location: Nullable(Type.String()),
      received_at: Timestamp,
    }),
    { description: 'Every scan, oldest first by when it happened; `unknown` marks a raw code no table knows.' },
  ),
});
