import type { Queryable } from '../../platform/db/database.js';
import type { EventEnvelope } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';

// Matches the endpoints' patterns in SQL (as `matchesEvent` does), so the fan-out of one event is
// one statement. Delivery ids share a fresh time-ordered base, suffixed per endpoint.
const FAN_OUT = `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, status, next_attempt_at, created_at, updated_at)
SELECT $1 || '_' || row_number() OVER (ORDER BY e.id), e.id, $2, $3, 'pending', $4, $4, $4
  FROM webhook_endpoints e
 WHERE e.status = 'enabled'
   AND EXISTS (SELECT 1 FROM unnest(e.enabled_events) p WHERE p = '*' OR p = $3 OR (right(p, 2) = '.*' AND starts_with($3, left(p, -1))))
   AND e.id IS DISTINCT FROM $5
ON CONFLICT (endpoint_id, event_id) WHERE replay_of IS NULL DO NOTHING`;

/**
 * The dispatcher's webhook subscriber: one pending delivery per enabled endpoint the event's type
 * is enabled for, written in the dispatcher's transaction. Idempotent on the event id (a unique
 * index on endpoint and event), so an event dispatched twice makes no second delivery.
 */
export function webhookFanOut(onDeliveries: () => void) {
  return async (tx: Queryable, event: EventEnvelope, ctx: ServiceContext): Promise<void> => {
    // an event about an endpoint's own deliveries (webhook_delivery.failed) never goes to that
    // endpoint: a failing endpoint would otherwise feed itself a new failing delivery forever
    const about = event.type.startsWith('webhook_delivery.') ? event.data.object.endpoint_id : null;
    const { rowCount } = await tx.query(FAN_OUT, [ctx.ids('whd'), event.id, event.type, ctx.now(), typeof about === 'string' ? about : null], 'webhooks_fan_out');
    if (rowCount) tx.afterCommit(onDeliveries);
  };
}
