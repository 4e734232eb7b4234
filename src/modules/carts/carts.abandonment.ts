import type { Environment } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { latencyBucket, p95, type CartLatencyRecorder, type CartMetrics } from './carts.latency.js';
import * as repo from './carts.repo.js';

/**
 * Abandonment by latency bucket: carts checked out and carts abandoned, each counted by the p95
 * latency of the cart requests its shopper saw, so slow experiences can be tied to lost carts.
 */
export class CartAbandonment {
  constructor(
    private readonly recorder: CartLatencyRecorder,
    private readonly metrics: CartMetrics,
    private readonly abandonAfterSeconds: number,
  ) {}

  /** Counts a checked-out cart in its bucket (after the order's transaction committed). */
  checkedOut(env: Environment, cart: Pick<repo.CartRow, 'id' | 'latency_ms'>): void {
    const samples = [...cart.latency_ms, ...this.recorder.take(env, cart.id)];
    this.metrics.checkedOut.inc({ p95_latency: latencyBucket(p95(samples)) });
  }

  /** The job: marks carts idle past the threshold as abandoned, once each, and counts them. */
  async markAbandoned(ctx: Pick<ServiceContext, 'db' | 'now'>): Promise<number> {
    await this.recorder.flush();
    const now = ctx.now();
    const latencies = await repo.markAbandoned(ctx.db, new Date(now.getTime() - this.abandonAfterSeconds * 1000), now, 1000);
    for (const samples of latencies) this.metrics.abandoned.inc({ p95_latency: latencyBucket(p95(samples)) });
    return latencies.length;
  }
}
