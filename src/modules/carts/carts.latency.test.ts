import { describe, expect, it } from 'vitest';
import { latencyBucket, p95 } from './carts.latency.js';

describe('p95 and latency buckets', () => {
  it('takes the nearest-rank 95th percentile', () => {
    expect(p95([])).toBeNull();
    expect(p95([7])).toBe(7);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(p95(hundred)).toBe(95);
    expect(p95([5, 1, 900, 3, 2])).toBe(900); // 5 samples: the 5th is the 95th percentile
  });

  it('labels buckets by their upper bound, inclusive', () => {
    expect(latencyBucket(null)).toBe('unknown');
    expect(latencyBucket(0)).toBe('le_50ms');
    expect(latencyBucket(50)).toBe('le_50ms');
    expect(latencyBucket(51)).toBe('le_100ms');
    expect(latencyBucket(2500)).toBe('le_2500ms');
    expect(latencyBucket(2501)).toBe('gt_2500ms');
  });
});
