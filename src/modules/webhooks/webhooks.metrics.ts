import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { MODES, type Database } from '../../platform/db/database.js';

/** Webhook delivery metrics. Failure ratio per endpoint: rate of `result="failure"` over all, by `endpoint`. */
export class WebhookMetrics {
  readonly deliveries: Counter<'outcome'>;
  readonly attempts: Counter<'endpoint' | 'result'>;
  readonly delay: Histogram;

  constructor(registry: Registry, db: Database, now: () => Date) {
    this.deliveries = new Counter({
      name: 'tessera_webhook_deliveries_total',
      help: 'Deliveries that reached a final state or a retry, by outcome: succeeded, retrying, failed (schedule exhausted or 410), skipped (endpoint disabled).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.attempts = new Counter({
      name: 'tessera_webhook_attempts_total',
      help: 'Delivery attempts by endpoint and result (success or failure): the failure ratio per endpoint.',
      labelNames: ['endpoint', 'result'],
      registers: [registry],
    });
    this.delay = new Histogram({
      name: 'tessera_webhook_delivery_delay_seconds',
      help: 'Time from an event being written to its delivery succeeding.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers: [registry],
    });
    new Gauge({
      name: 'tessera_webhook_queue_depth',
      help: 'Deliveries pending (due now or later), by environment.',
      labelNames: ['environment'],
      registers: [registry],
      async collect() {
        for (const env of MODES) {
          const { rows } = await db.forEnv(env).query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'");
          this.set({ environment: env }, rows[0]?.n ?? 0);
        }
      },
    });
    new Gauge({
      name: 'tessera_webhook_endpoint_failing_seconds',
      help: 'How long each failing endpoint has failed without a success (alert on it: "failing for longer than X").',
      labelNames: ['environment', 'endpoint'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const env of MODES) {
          const { rows } = await db.forEnv(env).query<{ id: string; failing_since: Date }>("SELECT id, failing_since FROM webhook_endpoints WHERE failing_since IS NOT NULL AND status = 'enabled'");
          for (const r of rows) this.set({ environment: env, endpoint: r.id }, Math.max(0, (now().getTime() - r.failing_since.getTime()) / 1000));
        }
      },
    });
  }
}
