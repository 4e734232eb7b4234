import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PollingLoop } from './loop.js';

const quiet = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PollingLoop', () => {
  it('backs off while idle (to 5 × pollMs), and a wake runs a pass at once', async () => {
    const at: number[] = [];
    const loop = new PollingLoop('test', async () => (at.push(Date.now()), 0), 20, quiet);
    loop.start();
    await sleep(400);
    // 20, 40, 80, 100, 100, … ms apart: far fewer passes than a fixed 20 ms poll (20 in 400 ms)
    expect(at.length).toBeGreaterThanOrEqual(3);
    expect(at.length).toBeLessThanOrEqual(9);
    // idle for long now (a 100 ms wait): a wake runs the next pass well before that
    const before = at.length;
    const woken = Date.now();
    loop.wake();
    while (at.length === before && Date.now() - woken < 1000) await sleep(1);
    expect(at[before]! - woken).toBeLessThan(at[before - 1]! + 100 - woken);
    await loop.stop();
  });

  it('runs again at once while passes find work, and wakeSoon coalesces a burst into one pass', async () => {
    let left = 3;
    let passes = 0;
    const loop = new PollingLoop('test', async () => (passes++, left > 0 ? left-- : 0), 1000, quiet);
    loop.start();
    while (passes < 4) await sleep(1);
    await sleep(20);
    expect(passes).toBe(4); // three with work, then one that found none; the next is 1 s away
    for (let i = 0; i < 10; i++) loop.wakeSoon(20);
    await sleep(150);
    expect(passes).toBe(5); // ten wakes within 20 ms, one pass
    await loop.stop();
  });
});
