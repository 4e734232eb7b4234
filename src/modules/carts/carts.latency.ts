import { Counter, type Registry } from 'prom-client';
import type { Database, Environment } from '../../platform/db/database.js';

/** Samples kept per cart: enough for a p95 of what the shopper saw lately. */
const KEEP = 32;

/** Upper bounds (ms) of the p95-latency buckets carts are counted in. */
export const LATENCY_BUCKETS_MS = [50, 100, 250, 500, 1000, 2500] as const;

/** The 95th percentile (nearest rank) of `samples`, or null when there are none. */
export function p95(samples: readonly number[]): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1] ?? null;
}

/** The bucket label of a p95 latency: `le_50ms`, `le_100ms`, … `gt_2500ms`, or `unknown`. */
export function latencyBucket(p95ms: number | null): string {
  if (p95ms === null) return 'unknown';
  const bound = LATENCY_BUCKETS_MS.find((b) => p95ms <= b);
  return bound === undefined ? `gt_${LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]}ms` : `le_${bound}ms`;
}

/** Carts checked out and carts abandoned, by the p95 latency their shopper saw. */
export class CartMetrics {
  readonly abandoned: Counter<'p95_latency'>;
  readonly checkedOut: Counter<'p95_latency'>;

  constructor(registry: Registry) {
    this.abandoned = new Counter({
      name: 'tessera_carts_abandoned_total',
      help: 'Carts with items left untouched for TESSERA_CART_ABANDON_AFTER_SECONDS without checkout, counted once, by the p95 latency of their cart requests.',
      labelNames: ['p95_latency'],
      registers: [registry],
    });
    this.checkedOut = new Counter({
      name: 'tessera_carts_checked_out_total',
      help: 'Carts checked out, by the p95 latency of their cart requests (abandonment rate per bucket = abandoned / (abandoned + checked out)).',
      labelNames: ['p95_latency'],
      registers: [registry],
    });
  }
}

/**
 * Collects the latency of every cart request in memory and writes it to the carts in one
 * statement per environment every second, so the request itself never waits for that write.
 * At most a second of samples is lost if the process dies.
 */
export class CartLatencyRecorder {
  private pending = new Map<string, { env: Environment; id: string; samples: number[] }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Database) {}

  record(env: Environment, cartId: string, ms: number): void {
    const key = `${env}|${cartId}`;
    let entry = this.pending.get(key);
    if (!entry) this.pending.set(key, (entry = { env, id: cartId, samples: [] }));
    entry.samples.push(Math.round(ms));
    if (entry.samples.length > KEEP) entry.samples.shift();
  }

  /** Samples not yet written for a cart, taken out of the buffer (checkout reads them with the cart's). */
  take(env: Environment, cartId: string): number[] {
    const key = `${env}|${cartId}`;
    const samples = this.pending.get(key)?.samples ?? [];
    this.pending.delete(key);
    return samples;
  }

  /** Appends the buffered samples to their carts, keeping the last 32 per cart. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    let failed: Error | undefined;
    // every environment the samples came from (a partner sandbox too); one failing (a sandbox just dropped) does not stop the others
    for (const env of new Set(batch.map((b) => b.env))) {
      const mine = batch.filter((b) => b.env === env);
      await this.db.forEnv(env).query(
        `UPDATE carts c SET latency_ms = (SELECT coalesce(array_agg(x ORDER BY n), '{}') FROM (
             SELECT x, n FROM unnest(c.latency_ms || v.samples) WITH ORDINALITY AS u(x, n)
             ORDER BY n DESC LIMIT ${KEEP}) kept)
         FROM (SELECT key AS id, ARRAY(SELECT jsonb_array_elements_text(value)::int) AS samples FROM jsonb_each($1::jsonb)) v
         WHERE c.id = v.id`,
        [JSON.stringify(Object.fromEntries(mine.map((b) => [b.id, b.samples])))],
      ).catch((err: unknown) => void (failed ??= err instanceof Error ? err : new Error(String(err))));
    }
    if (failed) throw failed;
  }

  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => void this.flush().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush().catch(() => undefined);
  }
}
