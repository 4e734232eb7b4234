import { describe, expect, it } from 'vitest';
import { missingScopes, scopeCovers } from './auth.js';

describe('scopes', () => {
  it('exact, global and resource wildcards cover', () => {
    expect(scopeCovers(['catalog:read'], 'catalog:read')).toBe(true);
    expect(scopeCovers(['*'], 'catalog:write')).toBe(true);
    expect(scopeCovers(['catalog:*'], 'catalog:write')).toBe(true);
  });
  it('write implies read on the same resource only', () => {
    expect(scopeCovers(['catalog:write'], 'catalog:read')).toBe(true);
    expect(scopeCovers(['catalog:read'], 'catalog:write')).toBe(false);
    expect(scopeCovers(['orders:write'], 'catalog:read')).toBe(false);
  });
  it('names what is missing', () => {
    expect(missingScopes(['catalog:read'], ['catalog:read', 'api_keys:write'])).toEqual(['api_keys:write']);
  });
});
