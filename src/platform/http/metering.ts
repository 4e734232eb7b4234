import type { Credential } from './context.js';

/**
 * Usage metering, as the platform sees it: an interface the app fills from the billing module
 * (src/composition.ts), so the platform never imports a module. `meter` runs before the handler
 * of every call made with a partner credential, after authentication and the rate limit; it
 * counts the call durably and throws a problem (429 `quota_exceeded`) to refuse it. `log` gets
 * each partner call once the response is sent (the request log: not money, written in batches).
 */
export interface Metering {
  meter(call: MeteredCall): Promise<void>;
  log(entry: RequestLogEntry): void;
}

export interface MeteredCall {
  credential: Credential & { partnerId: string };
  method: string;
  /** The route template (`/v1/carts/:id/checkout`). */
  route: string;
  /** The route's own meter (`config.meter`), besides `api_calls` which every call counts. */
  meter: string | undefined;
  /** The Idempotency-Key of a POST: a retry with the same key is counted once. */
  idempotencyKey: string | null;
  requestId: string;
}

export interface RequestLogEntry {
  credential: Credential & { partnerId: string };
  method: string;
  route: string;
  status: number;
  latencyMs: number;
  requestId: string;
  idempotencyKey: string | null;
  at: Date;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A meter this route's partner calls count on, besides `api_calls`
     * (`checkout_calls`, `recommendation_calls`): `config: { auth: …, meter: 'recommendation_calls' }`.
     */
    meter?: string;
  }
}
