import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, metricsPort: 9464, databaseUrl: undefined, idempotencyRetentionHours: 24 });
    expect(c.rateLimit).toEqual({ quota: 100, windowSeconds: 1 });
    expect(c.dataDir.endsWith('.tessera')).toBe(true);
  });
  it('reads segments of cache TTLs and keeps a default', () => {
    const c = loadConfig({ TESSERA_CACHE_TTLS: '{"electronics":{"maxAge":5}}' });
    expect(c.cacheTtls.electronics).toEqual({ maxAge: 5, sMaxAge: 300, staleWhileRevalidate: 600 });
    expect(c.cacheTtls.default.maxAge).toBe(60);
  });
  it('refuses bad values with a clear message', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be an integer/);
    expect(() => loadConfig({ TESSERA_ADMIN_KEY: 'sk_live_abcdefabcdefabcdef' })).toThrow(ConfigError);
    expect(() => loadConfig({ TESSERA_RATE_LIMIT: 'lots' })).toThrow(/TESSERA_RATE_LIMIT/);
    expect(() => loadConfig({ TESSERA_CACHE_TTLS: '{"x":{"maxAge":-1}}' })).toThrow(/maxAge/);
  });
});
