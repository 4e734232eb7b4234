import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLISHABLE_SCOPES } from '../src/modules/developers/keys.service.js';
import { carrierAdapters } from '../src/modules/fulfillment/carriers/index.js';
import { METERS } from '../src/modules/billing/plans.schemas.js';
import { TEST_TOKENS } from '../src/modules/payments/index.js';
import { errorCatalog } from '../src/platform/http/errors.js';
import { SIMULATE_VALUES } from '../src/platform/http/simulate.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { checkout, createStore, freshCountry, readyCart } from './helpers/commerce.js';
import { startReceiver } from './helpers/receiver.js';

/**
 * The guide at the top of /docs (src/docs/guide.md, the OpenAPI info.description): it has every
 * section a partner needs, its magic values are exactly the ones the code accepts, and its examples
 * (the problem, the webhook verification code, the rate-limit numbers) are what the API really does.
 */
const root = path.join(import.meta.dirname, '..');
let t: TestApp;
let guide: string;
beforeAll(async () => {
  t = await startTestApp({ env: { TESSERA_SIMULATE_TIMEOUT_MS: '50' } });
  guide = (await t.call('GET', '/openapi.json', { key: null })).json<{ info: { description: string } }>().info.description;
});
afterAll(() => t.close());

/** The text of a Markdown section, from its heading to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const level = /^#+/.exec(heading)![0].length;
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) expect.fail(`the guide has no heading "${heading}"`);
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The first cells of Markdown tables' body rows (not their header rows), unquoted: `| \`tok_visa\` | … |` → `tok_visa`. */
function firstCells(markdown: string): string[] {
  const cells: string[] = [];
  let inBody = false;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) inBody = false;
    else if (line.startsWith('|---')) inBody = true;
    else if (inBody) {
      const m = /^\| `([^`]+)` \|/.exec(line);
      if (m) cells.push(m[1]!);
    }
  }
  return cells;
}

/** The fenced code block of `lang` that contains `marker`. */
function codeBlock(markdown: string, lang: string, marker: string): string {
  const block = [...markdown.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!).find((b) => b.includes(marker));
  if (!block) expect.fail(`no \`\`\`${lang} block with ${marker}`);
  return block;
}

const REQUIRED_SECTIONS = [
  '## Getting started',
  '## Authentication',
  '### OAuth 2.0 for partners',
  '## Idempotency',
  '## Errors',
  '## Pagination',
  '## Versioning',
  '## Webhooks',
  '## Rate limits and quotas',
  '## Sandbox magic values',
];

describe('the guide at /docs', () => {
  it('has every section, in /openapi.json and in the document the /docs UI loads', async () => {
    for (const heading of REQUIRED_SECTIONS) expect(guide.split('\n'), heading).toContain(heading);
    const ui = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(ui.statusCode).toBe(200);
    expect(ui.json<{ info: { description: string } }>().info.description).toBe(guide);
    expect(guide).not.toMatch(/\{\{\w+\}\}/); // every placeholder filled
    expect(fs.existsSync(path.join(root, 'src/docs/guide.md'))).toBe(true);
  });

  it('lists every payment test token the emulator knows, and no other, on the one magic-values page', () => {
    const source = fs.readFileSync(path.join(root, 'src/modules/payments/emulator/state.ts'), 'utf8');
    const inSwitch = [...source.matchAll(/case '(tok_[a-z0-9_]+)'/g)].map((m) => m[1]!);
    const known = [...new Set([...inSwitch, ...Object.keys(TEST_TOKENS)])].sort();
    expect(inSwitch.length).toBeGreaterThanOrEqual(6);
    const documented = firstCells(section(guide, '### Payment tokens'));
    expect([...documented].sort()).toEqual(known);
  });

  it('lists every Tessera-Simulate value the code accepts, and each answers as documented', async () => {
    const table = section(guide, '### Simulated failures: `Tessera-Simulate`');
    expect([...firstCells(table)].sort()).toEqual([...SIMULATE_VALUES].sort());
    for (const value of SIMULATE_VALUES) {
      const row = table.split('\n').find((l) => l.startsWith(`| \`${value}\` |`)) ?? '';
      const answer = /\| (?:held .*?, then )?(\d{3}) `([a-z_]+)`/.exec(row.slice(row.indexOf('|', 1)));
      expect(answer, value).not.toBeNull();
      const res = await t.call('GET', '/v1/products?limit=1', { headers: { 'tessera-simulate': value } });
      expect([res.statusCode, res.json<{ code: string }>().code], value).toEqual([Number(answer![1]), answer![2]]);
      if (row.includes('`Retry-After: 1`')) expect(res.headers['retry-after'], value).toBe('1');
      if (row.includes('`RateLimit` headers')) expect(res.headers.ratelimit, value).toMatch(/^"default";r=0;t=\d+$/);
    }
    const live = await t.call('GET', '/v1/products?limit=1', { key: t.keys.liveSecret, headers: { 'tessera-simulate': '503' } });
    expect([live.statusCode, live.json<{ code: string }>().code]).toEqual([400, 'simulate_not_allowed']);
  });

  it('shows every emulated carrier with its journey and every raw code', () => {
    const table = section(guide, '### Carrier test helper');
    for (const adapter of Object.values(carrierAdapters)) {
      const row = table.split('\n').find((l) => l.startsWith(`| \`${adapter.code}\``));
      expect(row, adapter.code).toBeDefined();
      expect(row).toContain(adapter.journey.map((c) => `\`${c}\``).join(' → '));
      for (const [code, status] of Object.entries(adapter.table)) expect(row, `${adapter.code} ${code}`).toMatch(new RegExp(`${status}: [^;]*\`${code}\``));
    }
  });

  it('documents declines as the checkout answers them', async () => {
    const country = freshCountry();
    const store = await createStore(t, { country });
    const tokens = section(guide, '### Payment tokens');
    for (const [token, declineCode] of [['tok_decline', 'card_declined'], ['tok_insufficient_funds', 'insufficient_funds'], ['tok_made_up', 'invalid_token']] as const) {
      expect(tokens).toContain(`decline code \`${declineCode}\``);
      const res = await checkout(t, await readyCart(t, store, { country }), token);
      expect(res.statusCode, token).toBe(402);
      const problem = res.json<{ code: string; errors: { detail: string }[] }>();
      expect([problem.code, problem.errors[0]?.detail, res.headers['tessera-decline-code']], token).toEqual(['payment_declined', declineCode, declineCode]);
    }
    const paid = await checkout(t, await readyCart(t, store, { country }), 'tok_visa');
    expect([paid.statusCode, paid.json<{ status: string }>().status]).toEqual([201, 'paid']);
  });

  it('names every operation that requires an Idempotency-Key', () => {
    const text = section(guide, '## Idempotency');
    const required = t.routes.filter((r) => (r.options.config as { idempotency?: string } | undefined)?.idempotency === 'required');
    expect(required.length).toBeGreaterThan(0);
    for (const r of required) expect(text).toContain(`\`${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}\``);
  });

  it('shows a real problem document, and the publishable scopes and rate limit the API applies', async () => {
    const example = JSON.parse(codeBlock(section(guide, '## Errors'), 'json', '"type"')) as Record<string, unknown>;
    const res = await t.call('POST', '/v1/products', { body: { title: 'x', variants: [] } });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json<Record<string, unknown>>();
    expect(problem.request_id).toBe(res.headers['x-request-id']);
    expect({ ...problem, request_id: 'req_01JDX…' }).toEqual(example);

    const auth = section(guide, '## Authentication');
    expect(auth.split('\n').find((l) => l.startsWith('| publishable key'))).toContain(PUBLISHABLE_SCOPES.map((s) => `\`${s}\``).join(', '));
    const { quota, windowSeconds } = t.config.rateLimit;
    expect(section(guide, '## Rate limits and quotas')).toContain(`${quota} requests per ${windowSeconds === 1 ? 'second' : ''}`);
    expect(res.headers['ratelimit-policy']).toBe(`"default";q=${quota};w=${windowSeconds}`);

    // Quotas: the meters, the routes and the problem the section names exist.
    const quotas = section(guide, '## Rate limits and quotas');
    for (const meter of METERS) expect(quotas).toContain(`\`${meter}\``);
    const doc = (await t.call('GET', '/openapi.json', { key: null })).json<{ paths: Record<string, unknown> }>();
    for (const route of ['/v1/usage', '/v1/invoices']) expect(quotas.includes(`\`GET ${route}\``) && route in doc.paths, route).toBe(true);
    expect(errorCatalog().find((e) => e.code === 'quota_exceeded')?.status).toBe(429);
  });
});

describe('the webhook verification examples in the guide', () => {
  it('verify a real delivery, and refuse a tampered one, with standardwebhooks and with node:crypto', async () => {
    const webhooks = section(guide, '## Webhooks');
    // The examples, as written, become a module (inside the project, so `standardwebhooks` resolves).
    const file = path.join(root, 'node_modules', '.cache', `docs-webhooks-${crypto.randomUUID()}.mjs`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const [byPackage, byHand] = [codeBlock(webhooks, 'js', 'function parseWebhook'), codeBlock(webhooks, 'js', 'function verifyWebhook')];
    fs.writeFileSync(file, `${byPackage}\n${byHand}\nexport { parseWebhook, verifyWebhook };\n`);
    const receiver = await startReceiver();
    try {
      const examples = (await import(file)) as {
        parseWebhook(secret: string, headers: Record<string, unknown>, body: string): { type: string; data: { id: string } };
        verifyWebhook(secret: string, headers: Record<string, unknown>, body: string): boolean;
      };
      const endpoint = await t.call('POST', '/v1/webhook_endpoints', { body: { url: receiver.url, enabled_events: ['category.created'] } });
      expect(endpoint.statusCode).toBe(201);
      const secret = endpoint.json<{ secret: string }>().secret;
      const category = await t.call('POST', '/v1/categories', { body: { name: 'Docs', handle: `docs-${crypto.randomUUID().slice(0, 8)}` } });
      await t.modules.dispatcher.drain();
      await t.modules.webhooks.worker.drain();
      const delivery = receiver.received.find((r) => r.body.includes(category.json<{ id: string }>().id));
      expect(delivery).toBeDefined();
      const { headers, body } = delivery!;
      expect(headers['webhook-id']).toMatch(/^evt_/);

      expect(examples.verifyWebhook(secret, headers, body)).toBe(true);
      expect(examples.parseWebhook(secret, headers, body)).toMatchObject({ type: 'category.created', data: { object: { id: category.json<{ id: string }>().id } } });
      const tampered = body.replace('"Docs"', '"Docz"');
      expect(examples.verifyWebhook(secret, headers, tampered)).toBe(false);
      expect(() => examples.parseWebhook(secret, headers, tampered)).toThrow();
      const other = `whsec_${crypto.randomBytes(32).toString('base64')}`;
      expect(examples.verifyWebhook(other, headers, body)).toBe(false);
      const stale = { ...headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600) };
      expect(examples.verifyWebhook(secret, stale, body)).toBe(false);
    } finally {
      await receiver.close();
      fs.rmSync(file, { force: true });
    }
  });
});
