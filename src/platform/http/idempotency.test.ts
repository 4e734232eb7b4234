import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { parseIdempotencyKey } from './idempotency.js';

describe('Idempotency-Key parsing', () => {
  it('accepts a bare token and the quoted sf-string form', () => {
    expect(parseIdempotencyKey('abc-123')).toBe('abc-123');
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(parseIdempotencyKey(undefined)).toBeNull();
  });
  it('rejects empty, over-long, multiple and non-visible keys', () => {
    for (const bad of ['', '""', 'x'.repeat(256), 'a,b', 'has space', ['a', 'b']]) {
      expect(() => parseIdempotencyKey(bad)).toThrow(AppError);
    }
    expect(parseIdempotencyKey('x'.repeat(255))).toHaveLength(255);
  });
});
