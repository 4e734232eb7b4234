import { Counter, type Registry } from 'prom-client';
import type { RejectedPromotion } from '../pricing/pricing.types.js';
import { REJECTION_REASONS } from './promotions.types.js';

const NAME = 'tessera_promotion_rejections_total';

/** `tessera_promotion_rejections_total{reason}`: promotion eligibility failures, by machine reason. */
export class PromotionMetrics {
  private readonly rejections: Counter<'reason'>;

  constructor(registry: Registry) {
    // One app per registry in production; tests may build several modules on one registry.
    const existing = registry.getSingleMetric(NAME);
    this.rejections =
      existing instanceof Counter
        ? existing
        : new Counter({ name: NAME, help: 'Promotions shoppers entered that did not apply, by reason.', labelNames: ['reason'] as const, registers: [registry] });
    // Every reason from zero, so rates and alerts work before the first rejection.
    for (const reason of REJECTION_REASONS) this.rejections.inc({ reason }, 0);
  }

  /** Counts each rejection once. */
  recordRejections(rejected: readonly RejectedPromotion[]): void {
    for (const r of rejected) this.rejections.inc({ reason: r.reason });
  }
}
