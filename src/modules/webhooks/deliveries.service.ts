import { findEvents, listEvents } from '../../platform/events/events.repo.js';
import { recordEvent, type EventEnvelope } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { toList, type List, type ListParams } from '../../platform/http/pagination.js';
import * as repo from './deliveries.repo.js';
import { enabledEndpoints } from './endpoints.repo.js';
import { presentEndpoint, type EndpointsService } from './endpoints.service.js';
import { endpointMayReceive } from './webhooks.sellers.js';
import { matchesEvent } from './webhooks.schedule.js';
import { WebhookErrors } from './webhooks.errors.js';
import type { WebhookDelivery } from './webhooks.schemas.js';

type AttemptLog = WebhookDelivery['attempt_log'];

export function presentDelivery(d: Omit<repo.DeliveryRow, 'locked_until' | 'updated_at'>, attempts: readonly { number: number; attempted_at: Date; status_code: number | null; latency_ms: number; error: string | null }[]): WebhookDelivery {
  const log: AttemptLog = attempts.map((a) => ({ ...a, attempted_at: a.attempted_at.toISOString() }));
  return {
    id: d.id,
    object: 'webhook_delivery',
    endpoint_id: d.endpoint_id,
    event_id: d.event_id,
    event_type: d.event_type,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.next_attempt_at?.toISOString() ?? null,
    last_status_code: d.last_status_code,
    last_latency_ms: d.last_latency_ms,
    last_error: d.last_error,
    replay_of: d.replay_of,
    attempt_log: log,
    created_at: d.created_at.toISOString(),
    delivered_at: d.delivered_at?.toISOString() ?? null,
  };
}

export function presentEvent(e: EventEnvelope) {
  return { ...e, created_at: e.created_at.toISOString() };
}

/** Event log reads, the delivery log, and replays. */
export class DeliveriesService {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly onDeliveries: () => void,
  ) {}

  async listEvents(ctx: ServiceContext, q: ListParams & { type?: string[]; 'created[gte]'?: string; 'created[lt]'?: string }) {
    const rows = await listEvents(ctx.db, ctx.env, {
      ...(q.type ? { types: q.type } : {}),
      ...(q['created[gte]'] ? { createdGte: new Date(q['created[gte]']) } : {}),
      ...(q['created[lt]'] ? { createdLt: new Date(q['created[lt]']) } : {}),
      ...(q.starting_after ? { before: q.starting_after } : {}),
      limit: q.limit + 1,
    });
    return toList(rows.map(presentEvent), q.limit, (e) => e.id);
  }

  async getEvent(ctx: ServiceContext, id: string): Promise<EventEnvelope> {
    const [event] = await findEvents(ctx.db, ctx.env, [id]);
    if (!event) throw new AppError(WebhookErrors.eventNotFound, `No event ${id}.`);
    return event;
  }

  async list(ctx: ServiceContext, endpointId: string, q: ListParams & { status?: repo.DeliveryRow['status'] }): Promise<List<WebhookDelivery>> {
    await this.endpoints.find(ctx, endpointId);
    // one snapshot for both reads: a worker committing in between would pair a delivery's old status with its new attempt
    const { rows, attempts } = await ctx.db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const rows = await repo.listDeliveries(tx, { endpointId, ...(q.status ? { status: q.status } : {}), ...(q.starting_after ? { before: q.starting_after } : {}), limit: q.limit + 1 });
      return { rows, attempts: await repo.attemptsOf(tx, rows.map((r) => r.id)) };
    });
    return toList(rows.map((r) => presentDelivery(r, attempts.get(r.id) ?? [])), q.limit, (d) => d.id);
  }

  /**
   * Sends `eventId` again, to one endpoint or to every enabled endpoint its type is enabled for:
   * new deliveries with a fresh schedule, carrying the same event id (`webhook-id`), so a
   * receiver that already has it can tell. Returns the new deliveries.
   */
  async redeliver(ctx: ServiceContext, eventId: string, endpointId?: string): Promise<WebhookDelivery[]> {
    const event = await this.getEvent(ctx, eventId);
    let targets: { id: string }[];
    if (endpointId) {
      const e = await this.endpoints.find(ctx, endpointId);
      if (e.status !== 'enabled') throw new AppError(WebhookErrors.endpointDisabled, `Webhook endpoint ${endpointId} is disabled; enable it first.`);
      if (!endpointMayReceive(e.seller_id, event.type, event.data.object)) throw new AppError(WebhookErrors.eventNotForEndpoint, `Webhook endpoint ${endpointId} is seller ${e.seller_id ?? ''}'s; event ${eventId} is not one it receives.`);
      targets = [e];
    } else {
      targets = (await enabledEndpoints(ctx.db)).filter((e) => matchesEvent(e.enabled_events, event.type) && endpointMayReceive(e.seller_id, event.type, event.data.object));
    }
    const previous = await repo.listDeliveries(ctx.db, { eventId, limit: 1000 });
    const rows = targets.map((t) => ({
      id: ctx.ids('whd'),
      endpoint_id: t.id,
      event_id: event.id,
      event_type: event.type,
      replay_of: previous.find((p) => p.endpoint_id === t.id)?.id ?? null,
    }));
    return this.insertReplays(ctx, rows);
  }

  /**
   * A `webhook_endpoint.test` event, delivered to this endpoint only, now: its data is the
   * endpoint itself (no secret). It goes through the same signing, retries and delivery log as
   * any event, so a receiver's verification can be tried end to end.
   */
  async sendTest(ctx: ServiceContext, endpointId: string): Promise<WebhookDelivery> {
    const e = await this.endpoints.find(ctx, endpointId);
    if (e.status !== 'enabled') throw new AppError(WebhookErrors.endpointDisabled, `Webhook endpoint ${endpointId} is disabled; enable it first.`);
    const made = await ctx.db.transaction(async (tx) => {
      const event = await recordEvent(tx, ctx, { type: 'webhook_endpoint.test', object: presentEndpoint(e) });
      return repo.insertReplays(tx, [{ id: ctx.ids('whd'), endpoint_id: e.id, event_id: event.id, event_type: event.type, replay_of: null }], ctx.now());
    });
    this.onDeliveries();
    return presentDelivery(made[0]!, []);
  }

  /** Sends again every event whose latest delivery to the endpoint since `since` failed. */
  async replayFailed(ctx: ServiceContext, endpointId: string, since: Date): Promise<{ object: 'webhook_replay'; endpoint_id: string; since: string; deliveries: number }> {
    const e = await this.endpoints.find(ctx, endpointId);
    if (e.status !== 'enabled') throw new AppError(WebhookErrors.endpointDisabled, `Webhook endpoint ${endpointId} is disabled; enable it first.`);
    let made = 0;
    // in pages, so a replay of days of failures neither loads them all nor holds one long transaction
    for (;;) {
      const failed = await repo.latestDeliveriesSince(ctx.db, endpointId, since, 'failed', 500);
      if (!failed.length) break;
      made += (await this.insertReplays(ctx, failed.map((d) => ({ id: ctx.ids('whd'), endpoint_id: endpointId, event_id: d.event_id, event_type: d.event_type, replay_of: d.id })))).length;
      if (failed.length < 500) break;
    }
    return { object: 'webhook_replay', endpoint_id: endpointId, since: since.toISOString(), deliveries: made };
  }

  /** Deletes deliveries (and their attempt logs) created before `before`, a batch at a time. */
  async purge(ctx: ServiceContext, before: Date, limit: number): Promise<number> {
    return repo.purgeDeliveries(ctx.db, before, limit);
  }

  private async insertReplays(ctx: ServiceContext, rows: { id: string; endpoint_id: string; event_id: string; event_type: string; replay_of: string | null }[]): Promise<WebhookDelivery[]> {
    const made = await repo.insertReplays(ctx.db, rows, ctx.now());
    if (made.length) this.onDeliveries();
    return made.map((d) => presentDelivery(d, []));
  }
}
