import { describe, expect, it } from 'vitest';
import { cacheControl, ifNoneMatchHits, strongEtag } from './caching.js';

describe('HTTP caching', () => {
  it('matches If-None-Match lists, weak forms and *', () => {
    const tag = strongEtag('{"a":1}');
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(ifNoneMatchHits(tag, tag)).toBe(true);
    expect(ifNoneMatchHits(`"other", W/${tag}`, tag)).toBe(true);
    expect(ifNoneMatchHits('*', tag)).toBe(true);
    expect(ifNoneMatchHits('"other"', tag)).toBe(false);
    expect(ifNoneMatchHits(undefined, tag)).toBe(false);
  });
  it('formats Cache-Control with shared-cache and stale-while-revalidate directives', () => {
    expect(cacheControl({ maxAge: 60, sMaxAge: 300, staleWhileRevalidate: 30 })).toBe('public, max-age=60, s-maxage=300, stale-while-revalidate=30');
  });
});
