import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUTO_DISABLE_AFTER_MS,
  RETRY_SCHEDULE_MS,
  afterAttempt,
  endpointEffect,
  isSuccess,
  matchesEvent,
  retryAfterMs,
  withJitter,
} from './webhooks.schedule.js';

const now = new Date('2025-03-01T12:00:00.000Z');
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Milliseconds from `now` to the next attempt, or the outcome when there is none. */
function nextDelay(attempts: number, status: number | null, random = 0.5, retryAfter?: string): number | string {
  const outcome = afterAttempt(attempts, { status, retryAfter }, now, random);
  return outcome.delivery === 'pending' ? outcome.nextAttemptAt.getTime() - now.getTime() : outcome.delivery;
}

describe('retry schedule', () => {
  it('is immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
    expect(RETRY_SCHEDULE_MS).toEqual([0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
  });

  it('waits the next step after each failed attempt (no jitter at random 0.5)', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => nextDelay(n, 500));
    expect(delays).toEqual([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
  });

  it('jitters by ±10 %: random 0 and 1 give the bounds', () => {
    expect(nextDelay(1, 500, 0)).toBe(4_500);
    expect(nextDelay(1, 500, 1)).toBe(5_500);
    expect(nextDelay(4, null, 0)).toBe(6_480_000);
    expect(nextDelay(4, null, 1)).toBe(7_920_000);
    expect(withJitter(0, 0.7)).toBe(0);
  });

  it('gives up after the 8th failed attempt', () => {
    expect(nextDelay(7, 500)).toBe(10 * HOUR);
    expect(nextDelay(8, 500)).toBe('failed');
    expect(nextDelay(8, null)).toBe('failed');
  });

  it('stops the delivery at once on 410 Gone', () => {
    expect(nextDelay(1, 410)).toBe('failed');
  });

  it('counts only 2xx as delivered', () => {
    for (const status of [200, 201, 202, 204, 299]) {
      expect(isSuccess(status)).toBe(true);
      expect(nextDelay(8, status)).toBe('succeeded');
    }
    for (const status of [null, 100, 199, 300, 301, 302, 304, 400, 404, 500]) {
      expect(isSuccess(status)).toBe(false);
      expect(nextDelay(1, status)).toBe(5 * SECOND);
    }
  });
});

describe('Retry-After', () => {
  it('is honoured on 429, 502, 503 and 504, in seconds', () => {
    for (const status of [429, 502, 503, 504]) expect(nextDelay(1, status, 0.5, '120')).toBe(120 * SECOND);
  });

  it('is honoured as an HTTP date', () => {
    const in3h = new Date(now.getTime() + 3 * HOUR).toUTCString();
    expect(nextDelay(2, 503, 0.5, in3h)).toBe(3 * HOUR);
    expect(retryAfterMs(' 90 ', now)).toBe(90 * SECOND);
  });

  it('is capped at 24 h', () => {
    expect(nextDelay(1, 429, 0.5, String(7 * 24 * 3600))).toBe(DAY);
    expect(nextDelay(1, 503, 0.5, new Date(now.getTime() + 30 * DAY).toUTCString())).toBe(DAY);
  });

  it('is ignored when shorter than the schedule step', () => {
    expect(nextDelay(3, 503, 0.5, '60')).toBe(30 * MINUTE);
    const past = new Date(now.getTime() - HOUR).toUTCString();
    expect(nextDelay(1, 429, 0.5, past)).toBe(5 * SECOND);
  });

  it('is ignored on other statuses and when unreadable', () => {
    expect(nextDelay(1, 500, 0.5, '3600')).toBe(5 * SECOND);
    expect(nextDelay(1, 400, 0.5, '3600')).toBe(5 * SECOND);
    expect(nextDelay(1, 503, 0.5, 'soon')).toBe(5 * SECOND);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });

  it('never changes the outcome of a success, a 410 or the last attempt', () => {
    expect(nextDelay(1, 200, 0.5, '60')).toBe('succeeded');
    expect(nextDelay(1, 410, 0.5, '60')).toBe('failed');
    expect(nextDelay(8, 503, 0.5, '60')).toBe('failed');
  });
});

describe('next attempt (property)', () => {
  const retryAfter = fc.option(
    fc.oneof(
      fc.nat({ max: 10 * 24 * 3600 }).map(String),
      fc.integer({ min: -2 * 24 * 3600, max: 10 * 24 * 3600 }).map((s) => new Date(now.getTime() + s * SECOND).toUTCString()),
      fc.string(),
    ),
    { nil: undefined },
  );
  const status = fc.oneof(fc.constantFrom(null, 410, 429, 500, 502, 503, 504), fc.integer({ min: 100, max: 599 }));

  it('is never before now, nor later than the step × 1.1 or the capped Retry-After', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), status, retryAfter, fc.double({ min: 0, max: 1, noNaN: true }), (attempts, s, ra, random) => {
        const outcome = afterAttempt(attempts, { status: s, retryAfter: ra }, now, random);
        if (outcome.delivery !== 'pending') {
          expect(outcome.delivery).toBe(isSuccess(s) ? 'succeeded' : 'failed');
          if (outcome.delivery === 'failed') expect(s === 410 || attempts >= 8).toBe(true);
          return;
        }
        const delay = outcome.nextAttemptAt.getTime() - now.getTime();
        const step = RETRY_SCHEDULE_MS[attempts]!;
        const honoured = [429, 502, 503, 504].includes(s ?? 0) ? Math.min(retryAfterMs(ra, now) ?? 0, DAY) : 0;
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(step * 0.9));
        expect(delay).toBeLessThanOrEqual(Math.max(step * 1.1, honoured));
      }),
    );
  });
});

describe('endpointEffect', () => {
  const since = (ms: number) => new Date(now.getTime() - ms);

  it('makes the endpoint healthy on 2xx, even after days of failing', () => {
    expect(endpointEffect({ status: 204 }, since(6 * DAY), now)).toBe('healthy');
    expect(endpointEffect({ status: 200 }, null, now)).toBe('healthy');
  });

  it('disables it on 410 Gone', () => {
    expect(endpointEffect({ status: 410 }, null, now)).toBe('disable_gone');
  });

  it('disables it once it has failed for exactly 5 days', () => {
    expect(AUTO_DISABLE_AFTER_MS).toBe(5 * DAY);
    expect(endpointEffect({ status: 500 }, since(5 * DAY), now)).toBe('disable_failing');
    expect(endpointEffect({ status: null }, since(9 * DAY), now)).toBe('disable_failing');
  });

  it('keeps it failing before that', () => {
    expect(endpointEffect({ status: 500 }, since(5 * DAY - 1), now)).toBe('failing');
    expect(endpointEffect({ status: 302 }, null, now)).toBe('failing');
    expect(endpointEffect({ status: null }, now, now)).toBe('failing');
  });
});

describe('matchesEvent', () => {
  it('matches everything with *', () => {
    expect(matchesEvent(['*'], 'order.created')).toBe(true);
  });

  it('matches a prefix with order.* but only at a dot', () => {
    expect(matchesEvent(['order.*'], 'order.created')).toBe(true);
    expect(matchesEvent(['order.*'], 'order.payment.failed')).toBe(true);
    expect(matchesEvent(['order.*'], 'orders.created')).toBe(false);
    expect(matchesEvent(['order.*'], 'order')).toBe(false);
  });

  it('matches an exact type, and nothing with no patterns', () => {
    expect(matchesEvent(['order.created'], 'order.created')).toBe(true);
    expect(matchesEvent(['order.created'], 'order.updated')).toBe(false);
    expect(matchesEvent(['cart.updated', 'order.created'], 'order.created')).toBe(true);
    expect(matchesEvent([], 'order.created')).toBe(false);
  });
});
