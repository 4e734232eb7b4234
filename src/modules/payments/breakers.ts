import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import { Gauge, Histogram } from 'prom-client';
import type { Environment } from '../../platform/db/database.js';
import { HTTP_BUCKETS, type Metrics } from '../../platform/observability/metrics.js';
import type { ProcessorResult } from './processor.js';

export type Operation = 'authorize' | 'capture' | 'void' | 'refund' | 'lookup' | 'settlements';

/** A call the breaker refused without reaching the processor. */
export type Guarded<T> = ProcessorResult<T> | { kind: 'circuit_open' };

/** Only answers that say the processor may be unhealthy count against it; a decline is a healthy answer. */
function countsAsFailure(result: unknown): boolean {
  const kind = (result as { kind?: unknown } | null)?.kind;
  return kind === 'unavailable' || kind === 'ambiguous';
}

const GAUGE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.Open]: 1,
  [CircuitState.HalfOpen]: 2,
  [CircuitState.Isolated]: 1,
};

/**
 * One cockatiel circuit breaker per processor and environment, with the breaker states as the gauge
 * `tessera_payment_circuit_state{processor,environment}` (0 closed, 1 open, 2 half-open) and every
 * processor call timed in `tessera_payment_processor_duration_seconds{processor,operation,outcome,environment}`.
 */
export class ProcessorBreakers {
  private readonly breakers = new Map<string, { env: Environment; processor: string; policy: CircuitBreakerPolicy }>();
  private readonly duration: Histogram<'processor' | 'operation' | 'outcome' | 'environment'>;

  constructor(
    metrics: Metrics,
    private readonly options: { threshold: number; halfOpenMs: number },
  ) {
    const breakers = this.breakers;
    new Gauge({
      name: 'tessera_payment_circuit_state',
      help: 'Circuit breaker state per payment processor: 0 closed, 1 open, 2 half-open.',
      labelNames: ['processor', 'environment'] as const,
      registers: [metrics.registry],
      collect() {
        for (const b of breakers.values()) this.labels({ processor: b.processor, environment: b.env }).set(GAUGE_VALUE[b.policy.state]);
      },
    });
    this.duration = new Histogram({
      name: 'tessera_payment_processor_duration_seconds',
      help: 'Duration of payment processor calls, by processor, operation and outcome.',
      labelNames: ['processor', 'operation', 'outcome', 'environment'] as const,
      buckets: HTTP_BUCKETS,
      registers: [metrics.registry],
    });
  }

  private policy(env: Environment, processor: string): CircuitBreakerPolicy {
    const key = `${env}:${processor}`;
    let entry = this.breakers.get(key);
    if (!entry) {
      const policy = circuitBreaker(handleAll.orWhenResult(countsAsFailure), {
        halfOpenAfter: this.options.halfOpenMs,
        breaker: new ConsecutiveBreaker(this.options.threshold),
      });
      entry = { env, processor, policy };
      this.breakers.set(key, entry);
    }
    return entry.policy;
  }

  /** The breaker state of a processor (closed until it has been used). */
  state(env: Environment, processor: string): 'closed' | 'open' | 'half_open' {
    const s = this.breakers.get(`${env}:${processor}`)?.policy.state ?? CircuitState.Closed;
    return s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half_open' : 'open';
  }

  /** Runs a call through the processor's breaker, timed; an open circuit answers `circuit_open` at once. */
  async guarded<T>(env: Environment, processor: string, operation: Operation, call: () => Promise<ProcessorResult<T>>): Promise<Guarded<T>> {
    try {
      return await this.policy(env, processor).execute(() => this.timed(env, processor, operation, call));
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        this.duration.labels({ processor, operation, outcome: 'circuit_open', environment: env }).observe(0);
        return { kind: 'circuit_open' };
      }
      throw err;
    }
  }

  /** Runs a call outside the breaker (lookups must be tried even when the circuit is open), timed. */
  async timed<T>(env: Environment, processor: string, operation: Operation, call: () => Promise<ProcessorResult<T>>): Promise<ProcessorResult<T>> {
    const started = performance.now();
    const result = await call();
    this.duration.labels({ processor, operation, outcome: result.kind, environment: env }).observe((performance.now() - started) / 1000);
    return result;
  }
}
