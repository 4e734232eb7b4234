import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucket, unitHash } from './experiments.bucket.js';
import { evaluateFlag, type FlagDef } from './flags.evaluate.js';

const flag = (over: Partial<FlagDef> = {}): FlagDef => ({ key: 'new-search', enabled: true, rollout: 100, rules: [], ...over });
const subjects = (n: number, prefix = 'cus_') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('flag evaluation (pure)', () => {
  it('is deterministic: the same flag, subject and attributes always give the same answer', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.double({ min: 0, max: 100, noNaN: true }), (key, subject, rollout) => {
        const f = flag({ key, rollout });
        expect(evaluateFlag(f, subject, {})).toEqual(evaluateFlag({ ...f, rules: [] }, subject, {}));
        expect(unitHash(key, subject)).toBeGreaterThanOrEqual(0);
        expect(unitHash(key, subject)).toBeLessThan(1);
      }),
    );
  });

  it('0 % is off and 100 % is on for every subject, exactly', () => {
    fc.assert(
      fc.property(fc.string(), (subject) => {
        expect(evaluateFlag(flag({ rollout: 0 }), subject, {}).value).toBe(false);
        expect(evaluateFlag(flag({ rollout: 100 }), subject, {}).value).toBe(true);
        expect(evaluateFlag(flag({ enabled: false }), subject, {})).toEqual({ value: false, reason: 'disabled', rule: null });
      }),
    );
  });

  it('a rollout of p % turns the flag on for p % of many subjects (within 1.5 points over 20,000)', () => {
    for (const rollout of [1, 10, 25, 50, 90]) {
      const on = subjects(20_000).filter((s) => evaluateFlag(flag({ key: `f${rollout}`, rollout }), s, {}).value).length;
      expect(Math.abs((on / 20_000) * 100 - rollout)).toBeLessThan(1.5);
    }
  });

  it('raising a rollout only adds subjects', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (subject, a, b) => {
        const [low, high] = a < b ? [a, b] : [b, a];
        if (evaluateFlag(flag({ rollout: low }), subject, {}).value) expect(evaluateFlag(flag({ rollout: high }), subject, {}).value).toBe(true);
      }),
    );
  });

  it('the first matching rule decides with its own rollout; no match falls back to the flag rollout', () => {
    const f = flag({
      rollout: 0,
      rules: [
        { attribute: 'country', operator: 'in', values: ['US', 'CA'], rollout: 100 },
        { attribute: 'country', operator: 'in', values: ['US'], rollout: 0 },
        { attribute: 'plan', operator: 'not_in', values: ['free'], rollout: 100 },
      ],
    });
    expect(evaluateFlag(f, 'a', { country: 'US' })).toEqual({ value: true, reason: 'rule', rule: 0 });
    expect(evaluateFlag(f, 'a', { country: 'FR', plan: 'pro' })).toEqual({ value: true, reason: 'rule', rule: 2 });
    expect(evaluateFlag(f, 'a', { country: 'FR', plan: 'free' })).toEqual({ value: false, reason: 'rollout', rule: null });
  });
});

describe('experiment bucketing (pure)', () => {
  const variants = [
    { key: 'control', weight: 50, strategy: 'popularity' },
    { key: 'treatment', weight: 30, strategy: 'cooccurrence' },
    { key: 'other', weight: 20, strategy: 'cooccurrence' },
  ];

  it('is stable: a subject always lands in the same variant', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (key, subject) => {
        expect(bucket(key, subject, variants)).toBe(bucket(key, subject, variants));
      }),
    );
  });

  it('splits many subjects by the weights (within 1.5 points over 20,000)', () => {
    const counts = new Map<string, number>();
    for (const s of subjects(20_000, 'anon_')) {
      const v = bucket('recs-v2', s, variants)!.key;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect(Math.abs((counts.get('control')! / 200) - 50)).toBeLessThan(1.5);
    expect(Math.abs((counts.get('treatment')! / 200) - 30)).toBeLessThan(1.5);
    expect(Math.abs((counts.get('other')! / 200) - 20)).toBeLessThan(1.5);
  });

  it('gives a 0-weight variant nobody, and null when no weight is positive', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(bucket('k', s, [{ key: 'a', weight: 0 }, { key: 'b', weight: 3 }])?.key).toBe('b');
      }),
    );
    expect(bucket('k', 's', [{ key: 'a', weight: 0 }])).toBeNull();
  });
});
