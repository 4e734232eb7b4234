import { Type, type Static } from '@sinclair/typebox';
import { StringEnum, Timestamp } from '../../platform/http/schemas.js';

export const SIGNAL_TYPES = ['view', 'add_to_cart', 'purchase'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

/** The most signals one request may carry. */
export const MAX_SIGNALS_PER_BATCH = 500;

const Ident = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });

export const SignalInput = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$', description: 'Your id for the signal: a signal already stored under this id is ignored (idempotent).' }),
    type: StringEnum(SIGNAL_TYPES),
    product_id: Ident('The product viewed, added to a cart or bought.'),
    customer_id: Type.Optional(Ident("The store's customer id; this or `anonymous_id` is required.")),
    anonymous_id: Type.Optional(Ident('A browser or device id of a shopper not signed in.')),
    occurred_at: { ...Timestamp, description: 'When it happened: at most 5 minutes ahead of the server clock, at most 90 days ago.' },
  },
  { additionalProperties: false },
);
export type SignalInput = Static<typeof SignalInput>;

export const SignalBatch = Type.Object(
  { signals: Type.Array(SignalInput, { minItems: 1, maxItems: MAX_SIGNALS_PER_BATCH, description: `1–${MAX_SIGNALS_PER_BATCH} signals.` }) },
  { additionalProperties: false },
);

export const SignalBatchResult = Type.Object(
  {
    object: Type.Literal('signal_batch'),
    received: Type.Integer({ description: 'Signals stored by this request.' }),
    duplicates: Type.Integer({ description: 'Signals ignored because their id was already stored (or repeated in the batch).' }),
  },
  { $id: 'SignalBatchResult' },
);
export type SignalBatchResult = Static<typeof SignalBatchResult>;
