import { describe, expect, it } from 'vitest';
import { fastUlid, monotonicUlid, ulidIds } from './ids.js';

describe('ids', () => {
  it('are prefixed, 26 lower-case Crockford characters, and start with the time', () => {
    const id = ulidIds()('ord');
    expect(id).toMatch(/^ord_[0-9a-hjkmnp-tv-z]{26}$/);
    const ms = [...id.slice(4, 14)].reduce((n, c) => n * 32 + '0123456789abcdefghjkmnpqrstvwxyz'.indexOf(c), 0);
    expect(Math.abs(ms - Date.now())).toBeLessThan(5_000);
    expect(fastUlid().slice(0, 8)).toBe(id.slice(4, 12)); // the same clock, to the same ~second
  });

  it('sort in the order they were made, within one millisecond and when the clock steps back', () => {
    let now = 1_800_000_000_000;
    const next = monotonicUlid(() => now);
    const made: string[] = [];
    for (let i = 0; i < 1000; i++) made.push(next());
    now -= 5; // a clock step back
    for (let i = 0; i < 10; i++) made.push(next());
    now += 100;
    made.push(next());
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('encode the millisecond in the first ten characters', () => {
    const next = monotonicUlid(() => 0);
    expect(next().slice(0, 10)).toBe('0000000000');
    const later = monotonicUlid(() => 32 ** 2 + 1);
    expect(later().slice(0, 10)).toBe('0000000101');
  });
});
