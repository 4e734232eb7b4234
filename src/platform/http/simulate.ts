import type { FastifyRequest } from 'fastify';
import { AppError, defineErrors, Errors } from './errors.js';

export const SimulateErrors = defineErrors({
  simulateNotAllowed: { code: 'simulate_not_allowed', status: 400, title: 'Simulated failures are for test mode only' },
  gatewayTimeout: { code: 'gateway_timeout', status: 504, title: 'Gateway timeout', logLevel: 'warn' },
});

/**
 * The magic values of the `Tessera-Simulate` request header: a test-mode call carrying one fails as
 * an outage would, before its handler runs (nothing is read or written, no idempotency key is used up).
 */
export const SIMULATE_VALUES = ['429', '500', '503', 'timeout'] as const;
export type SimulateValue = (typeof SIMULATE_VALUES)[number];

/** Seconds a simulated 429 or 503 asks the caller to wait in `Retry-After`. */
export const SIMULATED_RETRY_AFTER = 1;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function simulated(value: SimulateValue): AppError {
  const note = ' (simulated: Tessera-Simulate)';
  switch (value) {
    case '429':
      return new AppError(Errors.rateLimited, `Too many requests; retry after ${SIMULATED_RETRY_AFTER} s.${note}`, [], {
        'retry-after': String(SIMULATED_RETRY_AFTER),
        'ratelimit-policy': '"default";q=0;w=1',
        ratelimit: `"default";r=0;t=${SIMULATED_RETRY_AFTER}`,
      });
    case '500':
      return new AppError(Errors.internal, `An unexpected error occurred. Quote the request_id when you report it.${note}`);
    case '503':
      return new AppError(Errors.unavailable, `The service is temporarily unavailable; retry after ${SIMULATED_RETRY_AFTER} s.${note}`, [], {
        'retry-after': String(SIMULATED_RETRY_AFTER),
      });
    case 'timeout':
      return new AppError(SimulateErrors.gatewayTimeout, `The request did not complete in time; it may be retried.${note}`);
  }
}

/**
 * Runs after authentication: with no `Tessera-Simulate` header, does nothing. In test mode, throws the
 * simulated failure (after holding the request for `timeoutMs` for `timeout`). With a live key, or no
 * key, or an unknown value, throws a 400 so nobody ships the header to production by accident.
 */
export async function simulateFailure(request: FastifyRequest, timeoutMs: number): Promise<void> {
  const header = request.headers['tessera-simulate'];
  if (header === undefined) return;
  const value = Array.isArray(header) ? header[0] : header;
  const env = request.ctx.credential?.env;
  if (env === undefined || env === 'live') {
    throw new AppError(SimulateErrors.simulateNotAllowed, 'Tessera-Simulate works with test-mode keys only; remove it from live requests.', [
      { detail: 'Not allowed outside test mode.', parameter: 'Tessera-Simulate' },
    ]);
  }
  if (!(SIMULATE_VALUES as readonly string[]).includes(value ?? '')) {
    throw new AppError(Errors.malformedRequest, `Tessera-Simulate "${String(value)}" is not a simulated failure. Use one of: ${SIMULATE_VALUES.join(', ')}.`, [
      { detail: `One of ${SIMULATE_VALUES.join(', ')}.`, parameter: 'Tessera-Simulate' },
    ]);
  }
  const simulate = value as SimulateValue;
  if (simulate === 'timeout') await sleep(timeoutMs);
  throw simulated(simulate);
}
