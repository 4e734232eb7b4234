import type { Logger } from 'pino';
import type { WebhooksConfig } from '../../config.js';
import type { Database, Environment } from '../../platform/db/database.js';
import type { IdGenerator } from '../../platform/crypto/ids.js';
import { emit } from '../../platform/events/outbox.js';
import { findEvents } from '../../platform/events/events.repo.js';
import { EnvironmentLoop } from '../../platform/jobs/loop.js';
import { jobContext } from '../../platform/http/module.js';
import * as deliveries from './deliveries.repo.js';
import { recordHealth, signingSecrets } from './endpoints.repo.js';
import type { EndpointsService } from './endpoints.service.js';
import { presentDelivery } from './deliveries.service.js';
import type { WebhookMetrics } from './webhooks.metrics.js';
import { afterAttempt, endpointEffect, type EndpointEffect } from './webhooks.schedule.js';
import { send, type SendResult } from './webhooks.sender.js';
import { deliveryBody, signatureHeader } from './webhooks.signing.js';

export interface DeliveryWorkerDeps {
  db: Database;
  ids: IdGenerator;
  now: () => Date;
  logger: Logger;
  /** 0–1; injected so tests can pin the jitter. */
  random?: () => number;
}

/** Runs `fn` on every item with at most `limit` in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * Sends due webhook deliveries. Each pass leases a batch (so several workers share the queue and
 * a dead one's deliveries come back when the lease ends), sends them concurrently, then records
 * every attempt and the deliveries' new states in one statement. Delivery is at least once: a
 * worker that dies after sending but before recording sends again later; receivers dedupe on
 * `webhook-id`, the event id, which never changes, not even on replay.
 */
export class DeliveryWorker {
  private readonly background: EnvironmentLoop;
  private readonly random: () => number;

  constructor(
    private readonly deps: DeliveryWorkerDeps,
    private readonly config: WebhooksConfig,
    private readonly metrics: WebhookMetrics,
    private readonly endpoints: EndpointsService,
  ) {
    this.random = deps.random ?? Math.random;
    this.background = new EnvironmentLoop('webhooks.deliver', () => deps.db.environments(), (env) => this.runOnce(env), config.pollMs, deps.logger);
  }

  /** One pass in `env`; returns how many deliveries it attempted. */
  async runOnce(env: Environment): Promise<number> {
    const db = this.deps.db.forEnv(env);
    // the lease covers the whole pass: its requests go out `concurrency` at a time, each bounded by the timeout
    const leaseMs = this.config.timeoutMs * Math.ceil(this.config.batchSize / this.config.concurrency) + 5000;
    const claimed = await deliveries.claimDue(db, this.deps.now(), this.config.batchSize, leaseMs);
    if (!claimed.length) return 0;
    const now = this.deps.now();
    const [events, secrets] = await Promise.all([
      findEvents(db, env, [...new Set(claimed.map((d) => d.event_id))]),
      signingSecrets(db, [...new Set(claimed.map((d) => d.endpoint_id))], now),
    ]);
    const eventById = new Map(events.map((e) => [e.id, e]));
    const bodies = new Map(events.map((e) => [e.id, deliveryBody(e)])); // once per event, not per endpoint
    const records: deliveries.AttemptRecord[] = [];
    const effects = new Map<string, EndpointEffect>();
    const exhausted: deliveries.ClaimedDelivery[] = [];

    await eachLimited(claimed, this.config.concurrency, async (d) => {
      const event = eventById.get(d.event_id);
      const endpointSecrets = secrets.get(d.endpoint_id) ?? [];
      let result: SendResult;
      if (d.endpoint_status !== 'enabled') result = { status: null, latencyMs: 0, retryAfter: undefined, error: 'endpoint disabled' };
      else if (!event) result = { status: null, latencyMs: 0, retryAfter: undefined, error: 'event no longer retained' };
      else {
        const body = bodies.get(event.id) ?? deliveryBody(event);
        const at = this.deps.now();
        result = await send(
          d.url,
          { 'webhook-id': event.id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signatureHeader(endpointSecrets, event.id, at, body) },
          body,
          { timeoutMs: this.config.timeoutMs, maxResponseBytes: this.config.maxResponseBytes, allowPrivate: env !== 'live' && this.config.testAllowPrivate },
        );
      }
      const attemptedAt = this.deps.now();
      const answer = { status: result.status, ...(result.retryAfter ? { retryAfter: result.retryAfter } : {}) };
      const skipped = d.endpoint_status !== 'enabled' || !event;
      const outcome = skipped ? ({ delivery: 'failed' } as const) : afterAttempt(d.attempts, answer, attemptedAt, this.random());
      records.push({
        delivery_id: d.id,
        number: d.attempts,
        attempted_at: attemptedAt,
        status_code: result.status,
        latency_ms: result.latencyMs,
        error: result.error,
        status: outcome.delivery,
        next_attempt_at: outcome.delivery === 'pending' ? outcome.nextAttemptAt : null,
      });
      if (skipped) {
        this.metrics.deliveries.inc({ outcome: 'skipped' });
        return;
      }
      const effect = endpointEffect(answer, d.failing_since, attemptedAt);
      if (effect === 'healthy' || !effects.has(d.endpoint_id) || effects.get(d.endpoint_id) === 'failing') effects.set(d.endpoint_id, effect);
      this.metrics.attempts.inc({ endpoint: d.endpoint_id, result: effect === 'healthy' ? 'success' : 'failure' });
      this.metrics.deliveries.inc({ outcome: outcome.delivery === 'pending' ? 'retrying' : outcome.delivery });
      if (outcome.delivery === 'succeeded' && event) this.metrics.delay.observe(Math.max(0, (attemptedAt.getTime() - event.created_at.getTime()) / 1000));
      if (outcome.delivery === 'failed') exhausted.push(d);
    });

    const after = this.deps.now();
    await deliveries.recordAttempts(db, records, after);
    const healthy = [...effects].filter(([, e]) => e === 'healthy').map(([id]) => id);
    const failing = [...effects].filter(([, e]) => e !== 'healthy').map(([id]) => id);
    await recordHealth(db, healthy, failing, after);
    await this.afterPass(env, effects, exhausted, records);
    return claimed.length;
  }

  /** Disables endpoints that answered 410 or failed for 5 days, and reports deliveries that gave up. */
  private async afterPass(env: Environment, effects: Map<string, EndpointEffect>, exhausted: deliveries.ClaimedDelivery[], records: deliveries.AttemptRecord[]): Promise<void> {
    const ctx = jobContext(this.deps, env);
    for (const [id, effect] of effects) {
      if (effect === 'disable_gone' || effect === 'disable_failing') {
        if (await this.endpoints.disable(ctx, id, effect === 'disable_gone' ? 'gone' : 'failing')) this.deps.logger.warn({ endpoint_id: id, environment: env, reason: effect }, 'webhook endpoint disabled');
      }
    }
    if (!exhausted.length) return;
    const byId = new Map(records.map((r) => [r.delivery_id, r]));
    await ctx.db.transaction((tx) =>
      emit(
        tx,
        ctx,
        exhausted.map((d) => {
          const r = byId.get(d.id);
          return { type: 'webhook_delivery.failed', object: presentDelivery({ ...d, status: 'failed', next_attempt_at: null, last_status_code: r?.status_code ?? null, last_latency_ms: r?.latency_ms ?? null, last_error: r?.error ?? null }, []) };
        }),
      ),
    );
  }

  /** Delivers until nothing is due (tests: with an injected clock, "due" is by that clock). */
  drain(): Promise<number> {
    return this.background.drain();
  }

  /** Wakes the background loop: new deliveries were committed. */
  wake(): void {
    this.background.wake();
  }

  start(): void {
    this.background.start();
  }

  stop(): Promise<void> {
    return this.background.stop();
  }
}
