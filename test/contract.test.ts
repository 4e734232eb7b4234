import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp } from './helpers/app.js';
import { ContractViolation, ContractValidator, type OpenApiDocument } from './helpers/contract.js';

const run = promisify(execFile);
const root = path.join(import.meta.dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-sdk-'));
const GENERATED = ['openapi.json', 'schema.d.ts', 'version.ts'];
let doc: OpenApiDocument;

beforeAll(async () => {
  // The SDK script builds the document from the routes (no server, no database) into a temp dir.
  await run(process.execPath, ['--import', 'tsx', 'scripts/sdk.js', '--out', dir], { cwd: root });
  doc = JSON.parse(fs.readFileSync(path.join(dir, 'openapi.json'), 'utf8')) as OpenApiDocument;
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('contract and SDK', () => {
  it('the committed sdk/ matches the routes (else: run `npm run sdk`)', () => {
    for (const name of GENERATED) {
      const fresh = fs.readFileSync(path.join(dir, name), 'utf8');
      const committed = fs.existsSync(path.join(root, 'sdk', name)) ? fs.readFileSync(path.join(root, 'sdk', name), 'utf8') : '';
      // Not toEqual: a diff of two 800 kB files helps nobody; the fix is one command.
      if (fresh !== committed) expect.fail(`sdk/${name} is stale: the API changed shape. Run \`npm run sdk\` and commit sdk/.`);
    }
  });

  it('the OpenAPI document passes the Redocly linter (redocly.yaml)', async () => {
    const bin = path.join(root, 'node_modules', '.bin', 'redocly');
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
    const result = await run(bin, ['lint', path.join(dir, 'openapi.json'), '--config', path.join(root, 'redocly.yaml'), '--format', 'stylish', '--max-problems', '50'], { cwd: root, env }).then(
      () => null,
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
    );
    expect(result, 'redocly lint found problems').toBeNull();
  }, 120_000);

  it('the response validator fails a body that breaks its route’s schema, with route, status and errors', () => {
    const v = new ContractValidator(doc);
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const res = (statusCode: number, body: unknown, headers: Record<string, string> = json) => ({ statusCode, headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const category = { id: 'cat_1', object: 'category', name: 'Shoes', handle: 'shoes', parent_id: null, path: ['cat_1'], created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' };
    const problem = { type: '/problems#x', title: 'X', status: 404, detail: 'x', code: 'x', request_id: 'req_1' };
    const problemJson = { 'content-type': 'application/problem+json; charset=utf-8' };

    expect(v.check('GET', '/v1/categories/cat_1', res(200, { ...category, name: 42 }))).toMatch(/GET \/v1\/categories\/\{id\} → 200[\s\S]*\/name must be string[\s\S]*body: \{/);
    expect(v.check('GET', '/v1/categories/cat_1', res(404, problem, problemJson))).toBeNull();
    // A problem in the wrong shape, with the wrong media type, or at an undeclared status fails.
    expect(v.check('GET', '/v1/categories/cat_1', res(404, { error: 'nope' }, problemJson))).toMatch(/Problem|required/);
    expect(v.check('GET', '/v1/categories/cat_1', res(404, problem))).toMatch(/media type application\/json is not declared/);
    expect(v.check('GET', '/v1/categories/cat_1', res(418, problem, problemJson))).toMatch(/status 418 is not declared/);
    // 5xx must still be problems; unknown routes must not succeed.
    expect(v.check('GET', '/v1/categories/cat_1', res(502, 'oops', { 'content-type': 'text/plain' }))).toMatch(/problem/);
    expect(v.check('GET', '/v1/nowhere', res(200, {}))).toMatch(/not in the OpenAPI document/);
    expect(v.check('GET', '/v1/nowhere', res(404, problem, problemJson))).toBeNull();
  });

  it('t.call and t.app.inject both validate what they return; `contract: false` opts out', async () => {
    const t = await startTestApp();
    try {
      const check = vi.spyOn(t.contract, 'check');
      expect((await t.call('GET', '/v1/categories')).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/v1/categories/cat_missing', headers: { authorization: `Bearer ${t.keys.secret}` } })).statusCode).toBe(404);
      expect(check.mock.calls.map(([method, url]) => `${method} ${url}`)).toEqual(['GET /v1/categories', 'GET /v1/categories/cat_missing']);
      check.mockReturnValue('contract: made up');
      await expect(t.call('GET', '/v1/categories')).rejects.toThrow(ContractViolation);
      await expect(t.app.inject({ method: 'GET', url: '/healthz' })).rejects.toThrow('made up');
      expect((await t.call('GET', '/v1/categories', { contract: false })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('every /v1 route declares its problems as application/problem+json', () => {
    // Outside /v1: /readyz answers 503 with its health body, /oauth/token errors follow RFC 6749.
    for (const [p, ops] of Object.entries(doc.paths)) {
      if (!p.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, response] of Object.entries(op.responses ?? {})) {
          if (Number(status) < 400) continue;
          expect(Object.keys(response.content ?? {}), `${method} ${p} ${status}`).toEqual(['application/problem+json']);
        }
      }
    }
  });
});
