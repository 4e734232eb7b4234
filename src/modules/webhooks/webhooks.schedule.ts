/**
 * When to try a delivery again, and what an answer means for the endpoint: pure functions of the
 * attempt count, the answer and the clock (Standard Webhooks / Svix rules, see
 * ../shared/reference/standards.md).
 */

/** Delay before each attempt: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const RETRY_SCHEDULE_MS: readonly number[] = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

/** An endpoint whose every attempt has failed for this long is disabled. */
export const AUTO_DISABLE_AFTER_MS = 5 * 24 * 3600_000;

/** Retry-After is honoured up to this; a longer one waits this long. */
const MAX_RETRY_AFTER_MS = 24 * 3600_000;

/** ±10 % jitter, so deliveries that failed together do not all retry in the same instant. */
export function withJitter(ms: number, random: number): number {
  return Math.round(ms * (0.9 + 0.2 * random));
}

/** What one attempt got back: an HTTP status (null when there was none: refused, timed out, …). */
export interface AttemptAnswer {
  status: number | null;
  /** The Retry-After header, as sent. */
  retryAfter?: string;
}

/**
 * Parses Retry-After (delay seconds or an HTTP date) into milliseconds from `now`; undefined when
 * absent or unreadable.
 */
export function retryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now.getTime()), MAX_RETRY_AFTER_MS);
}

export type Outcome =
  /** 2xx: delivered. */
  | { delivery: 'succeeded' }
  /** Another attempt at `nextAttemptAt`. */
  | { delivery: 'pending'; nextAttemptAt: Date }
  /** No attempts left. */
  | { delivery: 'failed' };

/** Whether the answer is a success: only 2xx (a 3xx is a failure; redirects are not followed). */
export function isSuccess(status: number | null): boolean {
  return status !== null && status >= 200 && status < 300;
}

/**
 * The delivery's next state after its `attempts`-th attempt (1-based) got `answer`. A 410 stops
 * the delivery (the endpoint is gone; `endpointEffect` disables it). On 429, 502, 503 and 504 the
 * next attempt waits at least the Retry-After the receiver asked for.
 */
export function afterAttempt(attempts: number, answer: AttemptAnswer, now: Date, random: number): Outcome {
  if (isSuccess(answer.status)) return { delivery: 'succeeded' };
  if (answer.status === 410 || attempts >= RETRY_SCHEDULE_MS.length) return { delivery: 'failed' };
  let delay = withJitter(RETRY_SCHEDULE_MS[attempts] ?? 0, random);
  if (answer.status === 429 || answer.status === 502 || answer.status === 503 || answer.status === 504) {
    delay = Math.max(delay, retryAfterMs(answer.retryAfter, now) ?? 0);
  }
  return { delivery: 'pending', nextAttemptAt: new Date(now.getTime() + delay) };
}

export type EndpointEffect = 'healthy' | 'failing' | 'disable_gone' | 'disable_failing';

/**
 * What an attempt's answer means for its endpoint: a success makes it healthy; a 410 disables it;
 * any other failure keeps it failing, and disables it once it has failed for 5 days without a
 * single success (`failingSince` is its first failure since the last success).
 */
export function endpointEffect(answer: AttemptAnswer, failingSince: Date | null, now: Date): EndpointEffect {
  if (isSuccess(answer.status)) return 'healthy';
  if (answer.status === 410) return 'disable_gone';
  if (failingSince && now.getTime() - failingSince.getTime() >= AUTO_DISABLE_AFTER_MS) return 'disable_failing';
  return 'failing';
}

/** Whether `type` is enabled by one of `patterns` (`*`, `order.*`, or an exact type). */
export function matchesEvent(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}
