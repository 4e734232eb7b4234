import { modeOf, type Mode, type Queryable } from '../db/database.js';
import type { ServiceContext } from '../http/context.js';

/** Who caused an event: an API key, or the system (a background job, a webhook from outside). */
export interface EventActor {
  type: 'api_key' | 'system';
  id: string | null;
}

/** Where an event came from; background work continues `traceparent`'s trace. */
export interface EventContext {
  request_id: string;
  traceparent: string | null;
  idempotency_key: string | null;
  actor: EventActor;
  /** Campaign labels (`utm_*`), carried from the cart onto its order's events. */
  campaign?: Record<string, string>;
  /** Experiment assignments, `{ key: variant }`. */
  experiments?: Record<string, string>;
}

/** One event, as stored, listed by `GET /v1/events` and handed to subscribers. */
export interface EventEnvelope {
  id: string;
  object: 'event';
  type: string;
  created_at: Date;
  /** live or test: a partner sandbox's events are test-mode events. */
  environment: Mode;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  context: EventContext;
}

/** What a module emits: the type, the object as the API shows it, and on `*.updated` what changed. */
export interface NewEvent {
  type: string;
  object: Record<string, unknown>;
  /** The changed attributes' values before the change (`data.previous_attributes`). */
  previous?: Record<string, unknown>;
  campaign?: Record<string, string>;
  experiments?: Record<string, string>;
}

type Listener = () => void;
const listeners = new Set<Listener>();

/** Called (soon after) whenever this process writes events, so a local dispatcher need not wait for its next poll. */
export function onEventsWritten(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notifyListeners(): void {
  for (const l of listeners) l();
}

/** The context of events written by `ctx`. */
export function eventContext(ctx: ServiceContext, extra: Pick<NewEvent, 'campaign' | 'experiments'> = {}): EventContext {
  const campaign = ctx.campaign || extra.campaign ? { ...ctx.campaign, ...extra.campaign } : undefined;
  return {
    request_id: ctx.requestId,
    traceparent: ctx.traceparent ?? null,
    idempotency_key: ctx.idempotencyKey ?? null,
    actor: ctx.actor ? { type: 'api_key', id: ctx.actor.id } : { type: 'system', id: null },
    // the event's own labels (a cart's utm_* metadata) win over the request's Tessera-Campaign header
    ...(campaign && Object.keys(campaign).length ? { campaign } : {}),
    ...(extra.experiments && Object.keys(extra.experiments).length ? { experiments: extra.experiments } : {}),
  };
}

/** Builds the envelopes of `events` as `ctx` writes them now (ids, time, context). */
export function envelopes(ctx: ServiceContext, events: NewEvent | readonly NewEvent[]): EventEnvelope[] {
  const list = Array.isArray(events) ? (events as readonly NewEvent[]) : [events as NewEvent];
  const created_at = ctx.now();
  return list.map((e) => ({
    id: ctx.ids('evt'),
    object: 'event',
    type: e.type,
    created_at,
    environment: modeOf(ctx.env),
    data: e.previous ? { object: e.object, previous_attributes: e.previous } : { object: e.object },
    context: eventContext(ctx, e),
  }));
}

/**
 * CTEs that write `envelopes` to the outbox, to splice into a statement that makes the change
 * itself, so change and event commit together in one round trip. Its five parameters start at
 * `$first`; pass `eventParams(envelopes)` there. Name the CTEs' statement as usual.
 * @example
 *   const evs = envelopes(ctx, { type: 'payment.captured', object });
 *   await db.query(`WITH p AS (UPDATE payments … RETURNING 1), ${eventCtes(4)} SELECT 1`, [id, amount, now, ...eventParams(evs)], 'payments_capture');
 */
export function eventCtes(first: number): string {
  return computedEventCtes(first, 'e.data', '');
}

/**
 * `eventCtes` for a statement whose events' data only the statement itself knows (the units a
 * level holds once locked, the columns of a row a patch did not name). The envelopes, passed with
 * `eventParams` at `$first`, give each event's id, type, time and context; the SQL expression
 * `data` gives its stored data, reading the envelope's own as `e.data` and whatever `from` (joins,
 * a WHERE) brings in. An envelope that `from` filters out is not written.
 * @example
 *   `WITH moved AS (UPDATE … RETURNING …), ${computedEventCtes(6, "jsonb_build_object('object', m.object)", 'JOIN moved m ON …')} SELECT 1`
 */
export function computedEventCtes(first: number, data: string, from: string): string {
  const [a, b, c, d, e] = [first, first + 1, first + 2, first + 3, first + 4];
  return `tessera_events AS (
  INSERT INTO events (id, type, created_at, data, context)
  SELECT e.id, e.type, e.created_at, ${data}, e.context
    FROM unnest($${a}::text[], $${b}::text[], $${c}::timestamptz[], $${d}::jsonb[], $${e}::jsonb[]) AS e(id, type, created_at, data, context)
    ${from}
  RETURNING id, created_at
), tessera_outbox AS (
  INSERT INTO outbox (event_id, available_at) SELECT id, created_at FROM tessera_events
)`;
}

/** The five parameters of `eventCtes`. */
export function eventParams(envs: readonly EventEnvelope[]): unknown[] {
  return [envs.map((e) => e.id), envs.map((e) => e.type), envs.map((e) => e.created_at), envs.map((e) => JSON.stringify(e.data)), envs.map((e) => JSON.stringify(e.context))];
}

/**
 * After `tx` commits, wakes this process's dispatcher for events written with `eventCtes`.
 * (`emit` does this itself.)
 */
export function notifyAfterCommit(tx: Queryable): void {
  tx.afterCommit(notifyListeners);
}

/**
 * Writes events to the outbox **inside the caller's transaction** (`tx`), so they exist exactly
 * when the state change they describe commits. One statement, however many events.
 * @example await emit(tx, ctx, { type: 'order.created', object: presentOrder(order) });
 */
export async function emit(tx: Queryable, ctx: ServiceContext, events: NewEvent | readonly NewEvent[]): Promise<EventEnvelope[]> {
  const envs = envelopes(ctx, events);
  if (!envs.length) return [];
  await tx.query(`WITH ${eventCtes(1)} SELECT 1`, eventParams(envs), 'events_emit');
  notifyAfterCommit(tx);
  return envs;
}

/**
 * Writes an event that has exactly one recipient, chosen by the caller: stored and listed like any
 * event (so its delivery log, replay and redelivery work), but not put on the outbox, so no
 * subscriber, webhook fan-out or NATS sees it. A webhook endpoint's test event is one.
 */
export async function recordEvent(tx: Queryable, ctx: ServiceContext, event: NewEvent): Promise<EventEnvelope> {
  const [env] = envelopes(ctx, event);
  await tx.query('INSERT INTO events (id, type, created_at, data, context) VALUES ($1, $2, $3, $4, $5)', [env!.id, env!.type, env!.created_at, JSON.stringify(env!.data), JSON.stringify(env!.context)]);
  return env!;
}

/**
 * The attributes of `after` that differ from `before`, with their values in `before`: what
 * `data.previous_attributes` shows on an `*.updated` event. Compares by JSON value.
 */
export function previousAttributes(before: Record<string, unknown>, after: Record<string, unknown>, ignore: readonly string[] = ['updated_at']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (ignore.includes(key)) continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = before[key] ?? null;
  }
  return out;
}
