import { Counter, Histogram, type Registry } from 'prom-client';

/** Checkout's business metrics. */
export class CheckoutMetrics {
  readonly started: Counter;
  readonly completed: Counter;
  readonly failed: Counter<'reason'>;
  readonly duration: Histogram<'result'>;

  constructor(registry: Registry) {
    this.started = new Counter({ name: 'tessera_checkouts_started_total', help: 'Checkouts started (a cart claimed for checkout).', registers: [registry] });
    this.completed = new Counter({ name: 'tessera_checkouts_completed_total', help: 'Checkouts that created an order.', registers: [registry] });
    this.failed = new Counter({ name: 'tessera_checkouts_failed_total', help: 'Checkouts that failed, by problem code.', labelNames: ['reason'], registers: [registry] });
    this.duration = new Histogram({
      name: 'tessera_checkout_duration_seconds',
      help: 'Checkout duration from claim to answer, by result.',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }
}
