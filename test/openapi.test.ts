import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

type Operation = { responses: Record<string, unknown>; security?: unknown[]; summary?: string };

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3.1 document generated from the routes', async () => {
    const res = await t.call('GET', '/openapi.json', { key: null });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    await SwaggerParser.validate(structuredClone(doc));
    const paths = doc.paths as Record<string, Record<string, Operation>>;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/v1/products', '/v1/products/{id}', '/v1/categories', '/v1/api_keys', '/healthz']));
  });

  it('describes every status a route answers, problems included, and the scopes it needs', async () => {
    const doc = (await t.call('GET', '/openapi.json', { key: null })).json();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        const statuses = Object.keys(op.responses);
        expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['400', '401', '403', '404', '422', '429', '500']));
        expect(statuses.some((s) => s.startsWith('2')), `${method} ${path}`).toBe(true);
        expect(op.security, `${method} ${path}`).toBeDefined();
        expect(op.summary, `${method} ${path}`).toBeTruthy();
      }
    }
    expect(doc.components.schemas.Problem).toBeDefined();
    expect(doc.components.schemas.Product).toBeDefined();
  });

  it('names every operation uniquely and marks public routes as needing no credential', async () => {
    const doc = (await t.call('GET', '/openapi.json', { key: null })).json();
    const ids: string[] = [];
    for (const ops of Object.values(doc.paths as Record<string, Record<string, Operation & { operationId?: string }>>)) for (const op of Object.values(ops)) ids.push(op.operationId ?? '');
    expect(ids.filter((id) => !/^[a-z][A-Za-z0-9]+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/v1/products/{id}'].get.operationId).toBe('getV1ProductsById');
    expect(doc.paths['/healthz'].get.security).toEqual([]);
  });

  it('serves interactive docs at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/swagger/i);
  });

  it('lists the error catalog at /problems, which problem types point to', async () => {
    const res = await t.call('GET', '/problems', { key: null });
    const codes = res.json().data.map((e: { code: string }) => e.code);
    expect(codes).toEqual(expect.arrayContaining(['validation_failed', 'insufficient_scope', 'idempotency_key_reused', 'product_not_found']));
  });
});
