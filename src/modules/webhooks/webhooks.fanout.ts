import type { Queryable } from '../../platform/db/database.js';
import type { EventEnvelope } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { eventSeller } from './webhooks.sellers.js';

// One statement for a whole batch of events: every (event, enabled endpoint) pair whose pattern
// matches (as `matchesEvent` does), except an event about an endpoint's own deliveries
// (`webhook_delivery.failed`) to that endpoint: a failing endpoint would feed itself forever.
// A seller's endpoint gets only events about that seller of the seller-facing types (`seller`:
// webhooks.sellers.ts `eventSeller`, null for every other event); operator endpoints get all.
// Delivery ids share a fresh time-ordered base per event, suffixed per endpoint.
const FAN_OUT = `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, status, next_attempt_at, created_at, updated_at)
SELECT v.base || '_' || row_number() OVER (PARTITION BY v.event_id ORDER BY e.id), e.id, v.event_id, v.type, 'pending', $5, $5, $5
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::text[]) AS v(base, event_id, type, about, seller)
  JOIN webhook_endpoints e ON e.status = 'enabled' AND e.id IS DISTINCT FROM v.about AND (e.seller_id IS NULL OR e.seller_id = v.seller)
   AND EXISTS (SELECT 1 FROM unnest(e.enabled_events) p WHERE p = '*' OR p = v.type OR (right(p, 2) = '.*' AND starts_with(v.type, left(p, -1))))
ON CONFLICT (endpoint_id, event_id) WHERE replay_of IS NULL DO NOTHING`;

/**
 * The dispatcher's webhook subscriber: one pending delivery per enabled endpoint each event's type
 * is enabled for (and, for a seller's endpoint, that is about that seller), written in the
 * dispatcher's transaction. Idempotent on the event id (a unique
 * index on endpoint and event), so an event dispatched twice makes no second delivery.
 */
export function webhookFanOut(onDeliveries: () => void) {
  return async (tx: Queryable, events: readonly EventEnvelope[], ctx: ServiceContext): Promise<void> => {
    const about = events.map((e) => {
      const id = e.type.startsWith('webhook_delivery.') ? e.data.object.endpoint_id : null;
      return typeof id === 'string' ? id : null;
    });
    const sellers = events.map((e) => eventSeller(e.type, e.data.object));
    const { rowCount } = await tx.query(FAN_OUT, [events.map(() => ctx.ids('whd')), events.map((e) => e.id), events.map((e) => e.type), about, ctx.now(), sellers], 'webhooks_fan_out');
    if (rowCount) tx.afterCommit(onDeliveries);
  };
}
