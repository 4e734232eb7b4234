import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyHeader, type Schema, type TesseraClient } from '../sdk/index.js';
import { bootstrap } from '../src/bootstrap.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { assertContract } from './helpers/contract.js';
import { listen, ok, sdk } from './helpers/sdk.js';

/**
 * The README's "Partner walk-through": a partner goes from signup to a paid sandbox order with
 * only what the docs say. The app listens on a real port after a first start's bootstrap (the demo
 * store seeded into test mode, as `npm start` does). The README's block runs as written, with
 * curl and jq, then the same steps run through the generated SDK, with the signup body taken from
 * the README and the scopes the guide at /docs names.
 */
const run = promisify(execFile);
const root = path.join(import.meta.dirname, '..');
const README = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const HEADING = '### Partner walk-through: from signup to a sandbox checkout';

/** The first ```sh block after the walk-through's heading. */
function walkthroughBlock(): string {
  const at = README.indexOf(HEADING);
  if (at < 0) expect.fail(`README.md has no "${HEADING}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(README.slice(at));
  if (!block) expect.fail('the walk-through has no ```sh block');
  return block[1]!;
}

/** Splits concatenated JSON documents (what a run of `curl -s` commands prints) into values. */
function jsonDocuments(text: string): unknown[] {
  const docs: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if ((c === '}' || c === ']') && --depth === 0) docs.push(JSON.parse(text.slice(start, i + 1)));
  }
  return docs;
}

let t: TestApp;
let baseUrl: string;
beforeAll(async () => {
  t = await startTestApp({ env: { TESSERA_SEED_PRODUCTS: '40' } });
  await bootstrap(t.config, t.db, t, ulidIds(), () => undefined);
  baseUrl = await listen(t);
});
afterAll(() => t.close());

describe('the partner walk-through', () => {
  it('runs as the README writes it, with curl: signup, token, catalog, cart, shipping, checkout with tok_visa, the order', async () => {
    const block = walkthroughBlock();
    expect(block).toMatch(/^API=http:\/\/127\.0\.0\.1:8080$/m);
    const script = `${block.replace(/^API=.*$/m, '')}\nprintf '\\n@@VARS %s %s %s %s\\n' "$SKU" "$CART" "$ORDER" "$(echo "$SIGNUP" | jq -r .partner.id)"\n`;
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { env: { ...process.env, API: baseUrl, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' }, timeout: 60_000 });
    const [printed = '', vars = ''] = stdout.split('\n@@VARS ');
    const [sku, cartId, orderId, partnerId] = vars.trim().split(' ');
    expect(orderId, stdout).toMatch(/^ord_/);

    // What the block printed: the cart with the address, its shipping options, the cart with shipping, the order.
    const [addressed, options, shipped, order] = jsonDocuments(printed) as [Schema<'Cart'>, { data: { id: string }[] }, Schema<'Cart'>, Schema<'Order'>];
    expect(addressed).toMatchObject({ id: cartId, email: 'ada@example.com', items: [{ sku, quantity: 1 }] });
    expect(options.data.map((o) => o.id)).toContain('shipopt_demo_us_standard');
    expect(shipped.shipping_method?.option_id).toBe('shipopt_demo_us_standard');
    expect(order).toMatchObject({ id: orderId, object: 'order', status: 'paid', cart_id: cartId, email: 'ada@example.com', totals: shipped.totals });
    expect(order.lines.map((l) => l.sku)).toEqual([sku]);

    // The order is in the partner's own sandbox: the operator's test key reaches it with Tessera-Partner, and not without.
    const read = await t.call('GET', `/v1/orders/${orderId}`, { headers: { 'tessera-partner': partnerId! } });
    expect(read.json()).toMatchObject({ id: orderId, status: 'paid' });
    expect((await t.call('GET', `/v1/orders/${orderId}`)).statusCode).toBe(404);
  }, 90_000);

  it('runs through the SDK with only what the docs say, and each scope the docs name is needed', async () => {
    const guide = (await t.call('GET', '/openapi.json', { key: null })).json<{ info: { description: string } }>().info.description;
    const signupBody = JSON.parse(/-d '(\{"name"[^']*\})'/.exec(walkthroughBlock())![1]!) as { kind: string; scopes: string[] };
    expect(signupBody.kind).toBe('integrator');
    const gettingStarted = guide.slice(guide.indexOf('## Getting started'), guide.indexOf('## Authentication'));
    for (const scope of signupBody.scopes) expect(gettingStarted, scope).toContain(`\`${scope}\``);

    // 1. Signup: public, JSON.
    const signupRes = await fetch(`${baseUrl}/v1/partners`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...signupBody, email: 'sdk@acme.example' }) });
    const signupText = await signupRes.text();
    assertContract(t.contract, 'POST', '/v1/partners', { statusCode: signupRes.status, headers: Object.fromEntries(signupRes.headers), body: signupText });
    expect(signupRes.status, signupText).toBe(201);
    const { credentials } = JSON.parse(signupText) as { credentials: { client_id: string; client_secret: string; environment: string; scopes: string[] } };
    expect(credentials).toMatchObject({ environment: 'test', scopes: signupBody.scopes });

    // 2. Token: HTTP Basic, form body; the lifetime is the one the guide states.
    const token = async (scope?: string) => {
      const form = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
      const res = await fetch(`${baseUrl}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${credentials.client_id}:${credentials.client_secret}`).toString('base64')}` }, body: form });
      const text = await res.text();
      assertContract(t.contract, 'POST', '/oauth/token', { statusCode: res.status, headers: Object.fromEntries(res.headers), body: text });
      expect(res.status, text).toBe(200);
      return JSON.parse(text) as { access_token: string; token_type: string; expires_in: number; scope: string };
    };
    const granted = await token();
    expect(granted.token_type).toBe('Bearer');
    expect(guide).toContain(`"expires_in":${granted.expires_in}`);
    expect(granted.scope.split(' ').sort()).toEqual([...signupBody.scopes].sort());
    const partner: TesseraClient = sdk(t, baseUrl, granted.access_token);

    // 3. The sandbox catalog.
    const products = ok(await partner.GET('/v1/products', { params: { query: { status: 'published', limit: 1 } } }));
    const sku = products.data[0]!.variants[0]!.sku;

    // 4. Cart, address, shipping: the demo store's region and option the guide names.
    expect(gettingStarted).toContain('`reg_demo_us`');
    expect(gettingStarted).toContain('`shipopt_demo_us_standard`');
    let cart = ok(await partner.POST('/v1/carts', { body: { region_id: 'reg_demo_us', items: [{ sku, quantity: 1 }] } }));
    cart = ok(
      await partner.PATCH('/v1/carts/{id}', {
        params: { path: { id: cart.id } },
        body: { email: 'ada@example.com', shipping_address: { name: 'Ada Lovelace', line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' } },
      }),
    );
    const options = ok(await partner.GET('/v1/carts/{id}/shipping_options', { params: { path: { id: cart.id } } }));
    expect(options.data.map((o) => o.id)).toContain('shipopt_demo_us_standard');
    cart = ok(await partner.POST('/v1/carts/{id}/shipping', { params: { path: { id: cart.id } }, body: { option_id: 'shipopt_demo_us_standard' } }));

    // 5. Checkout with tok_visa; a retry with the same key is the same order.
    const headers = idempotencyHeader(`checkout-${cart.id}`);
    const first = await partner.POST('/v1/carts/{id}/checkout', { params: { path: { id: cart.id } }, body: { payment: { token: 'tok_visa' } }, headers });
    const order = ok(first);
    expect(first.response.status).toBe(201);
    expect(order).toMatchObject({ status: 'paid', cart_id: cart.id, totals: cart.totals });
    const retry = await partner.POST('/v1/carts/{id}/checkout', { params: { path: { id: cart.id } }, body: { payment: { token: 'tok_visa' } }, headers });
    expect([retry.response.headers.get('idempotent-replayed'), ok(retry).id]).toEqual(['true', order.id]);

    // 6. The order.
    const read = ok(await partner.GET('/v1/orders/{id}', { params: { path: { id: order.id } } }));
    expect(read).toMatchObject({ id: order.id, status: 'paid', email: 'ada@example.com' });
    expect(read.lines.map((l) => [l.sku, l.quantity])).toEqual([[sku, 1]]);

    // Each requested scope is needed by one step: a token without it is refused there.
    const without = async (scope: string) => sdk(t, baseUrl, (await token(signupBody.scopes.filter((s) => s !== scope).join(' '))).access_token);
    const refused = [
      (await (await without('catalog:read')).GET('/v1/products', { params: { query: { limit: 1 } } })).response.status,
      (await (await without('carts:write')).POST('/v1/carts', { body: { region_id: 'reg_demo_us' } })).response.status,
      (await (await without('checkout:write')).POST('/v1/carts/{id}/checkout', { params: { path: { id: cart.id } }, body: { payment: { token: 'tok_visa' } } })).response.status,
      (await (await without('orders:read')).GET('/v1/orders/{id}', { params: { path: { id: order.id } } })).response.status,
    ];
    expect(signupBody.scopes.sort()).toEqual(['carts:write', 'catalog:read', 'checkout:write', 'orders:read']);
    expect(refused).toEqual([403, 403, 403, 403]);
  }, 60_000);
});
