import { Type, type Static } from '@sinclair/typebox';
import { ListQuery } from '../../platform/http/pagination.js';
import { Metadata, Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';

/** An event type pattern: an exact type (`order.created`), a prefix (`order.*`) or `*`. */
const EventPattern = Type.String({ pattern: '^(\\*|[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*(\\.\\*)?)$', maxLength: 100 });

export const WebhookEndpoint = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('webhook_endpoint'),
    url: Type.String(),
    description: Type.String(),
    enabled_events: Type.Array(Type.String()),
    status: StringEnum(['enabled', 'disabled']),
    disabled_reason: Nullable(StringEnum(['operator', 'gone', 'failing']), { description: '`gone`: the endpoint answered 410; `failing`: every attempt failed for 5 days.' }),
    failing_since: Nullable(Timestamp, { description: 'The first failed attempt since the last success; null while healthy.' }),
    secret: Type.Optional(Type.String({ description: 'The signing secret (`whsec_…`): only in the answers to create and rotate_secret.' })),
    metadata: Metadata,
    seller_id: Nullable(Type.String(), {
      description: "The seller whose endpoint it is (made with that seller's key): it receives only that seller's seller_order.*, shipment.*, product.*, payout.*, chargeback.* and seller.updated events. Null: an operator endpoint, receiving every event.",
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'WebhookEndpoint' },
);
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

export const CreateEndpointBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'Where deliveries are POSTed. Live mode: https, and never a private, loopback or link-local address.' }),
    enabled_events: Type.Array(EventPattern, { minItems: 1, maxItems: 100, description: 'Event types to deliver: exact types, `prefix.*`, or `*` for all.' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);

export const UpdateEndpointBody = Type.Object(
  {
    url: Type.Optional(CreateEndpointBody.properties.url),
    enabled_events: Type.Optional(CreateEndpointBody.properties.enabled_events),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    status: Type.Optional(StringEnum(['enabled', 'disabled'], { description: 'Re-enabling clears the failure history.' })),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const RotateSecretBody = Type.Object(
  {
    expires_in_seconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 7 * 24 * 3600, default: 24 * 3600, description: 'How long the current secret keeps signing beside the new one (0: stop at once). Default 24 h.' }),
    ),
  },
  { additionalProperties: false },
);

export const Attempt = Type.Object({
  number: Type.Integer(),
  attempted_at: Timestamp,
  status_code: Nullable(Type.Integer()),
  latency_ms: Type.Integer(),
  error: Nullable(Type.String()),
});

export const WebhookDelivery = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('webhook_delivery'),
    endpoint_id: Type.String(),
    event_id: Type.String(),
    event_type: Type.String(),
    status: StringEnum(['pending', 'succeeded', 'failed']),
    attempts: Type.Integer(),
    next_attempt_at: Nullable(Timestamp),
    last_status_code: Nullable(Type.Integer()),
    last_latency_ms: Nullable(Type.Integer()),
    last_error: Nullable(Type.String()),
    replay_of: Nullable(Type.String(), { description: 'On a delivery made by a replay or redelivery: the earlier delivery of the event to this endpoint that it repeats, if there was one.' }),
    attempt_log: Type.Array(Attempt),
    created_at: Timestamp,
    delivered_at: Nullable(Timestamp),
  },
  { $id: 'WebhookDelivery' },
);
export type WebhookDelivery = Static<typeof WebhookDelivery>;

export const DeliveriesQuery = Type.Object({ ...ListQuery, status: Type.Optional(StringEnum(['pending', 'succeeded', 'failed'])) }, { additionalProperties: false });

export const ReplayBody = Type.Object(
  {
    since: Timestamp,
    status: Type.Optional(StringEnum(['failed'], { default: 'failed', description: 'Only failed deliveries are replayed.' })),
  },
  { additionalProperties: false },
);

export const Event = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('event'),
    type: Type.String(),
    created_at: Timestamp,
    environment: StringEnum(['live', 'test']),
    data: Type.Object({ object: Type.Record(Type.String(), Type.Unknown()), previous_attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
    context: Type.Object({
      request_id: Type.String(),
      traceparent: Nullable(Type.String()),
      idempotency_key: Nullable(Type.String()),
      actor: Type.Object({ type: StringEnum(['api_key', 'system']), id: Nullable(Type.String()) }),
      campaign: Type.Optional(Type.Record(Type.String(), Type.String())),
      experiments: Type.Optional(Type.Record(Type.String(), Type.String())),
    }),
  },
  { $id: 'Event' },
);

export const EventsQuery = Type.Object(
  {
    ...ListQuery,
    type: Type.Optional(Type.Array(EventPattern, { maxItems: 20, description: 'Event types (exact or `prefix.*`); repeat to match any.' })),
    'created[gte]': Type.Optional(Timestamp),
    'created[lt]': Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);

export const RedeliverBody = Type.Object(
  { endpoint_id: Type.Optional(Type.String({ maxLength: 64, description: 'Only to this endpoint; otherwise to every enabled endpoint the event type is enabled for.' })) },
  { additionalProperties: false },
);
