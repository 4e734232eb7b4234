import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createProduct } from './helpers/fixtures.js';
import { accessToken, basic, signup, tokenRequest, type Credentials } from './helpers/partners.js';

let t: TestApp;
/** The app's clock: tests move it forward to expire tokens, secrets and signing keys. */
let clock = Date.now();
const advance = (seconds: number) => {
  clock += seconds * 1000;
};

beforeAll(async () => {
  t = await startTestApp({ now: () => new Date(clock) });
});
afterAll(() => t.close());

const asToken = (method: string, url: string, token: string, body?: unknown) => t.call(method, url, { key: token, ...(body !== undefined ? { body } : {}) });
const jwks = async (): Promise<JSONWebKeySet> => (await t.call('GET', '/.well-known/jwks.json', { key: null })).json();

async function partner(scopes = ['catalog:read', 'carts:write']): Promise<Credentials> {
  return (await signup(t, { scopes })).credentials;
}

describe('POST /oauth/token', () => {
  it('issues an RFC 9068 JWT access token with no-store, 15 minutes and the granted scopes', async () => {
    const creds = await partner();
    const res = await tokenRequest(t, { grant_type: 'client_credentials' }, { authorization: basic(creds.client_id, creds.client_secret) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'catalog:read carts:write' });

    const header = decodeProtectedHeader(body.access_token);
    expect(header).toMatchObject({ typ: 'at+jwt', alg: 'EdDSA' });
    const published = await jwks();
    expect(published.keys.map((k) => k.kid)).toContain(header.kid);

    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ iss: t.config.oauth.issuer, aud: t.config.oauth.audience, sub: creds.client_id, client_id: creds.client_id, scope: 'catalog:read carts:write', tessera_env: 'test' });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(typeof claims.jti).toBe('string');
    expect(typeof claims.partner_id).toBe('string');
    // anyone can verify it with the published keys
    const verified = await jwtVerify(body.access_token, createLocalJWKSet(published), { typ: 'at+jwt', currentDate: new Date(clock) });
    expect(verified.payload.sub).toBe(creds.client_id);
  });

  it('a token works at once on a route its scopes cover, and gets 403 where they do not', async () => {
    const creds = await partner(['catalog:read']);
    const token = await accessToken(t, creds);
    expect((await asToken('GET', '/v1/products', token)).statusCode).toBe(200);
    const write = await asToken('POST', '/v1/products', token, { title: 'Nope', variants: [{ sku: 'OAUTH-NOPE', prices: [{ currency: 'USD', amount: 1 }] }] });
    expect(write.statusCode).toBe(403);
    expect(write.headers['www-authenticate']).toContain('insufficient_scope');
  });

  it('narrows the token to a requested subset of scopes and refuses a wider one with invalid_scope', async () => {
    const creds = await partner(['catalog:write']);
    const narrow = await tokenRequest(t, { grant_type: 'client_credentials', scope: 'catalog:read' }, { authorization: basic(creds.client_id, creds.client_secret) });
    expect(narrow.statusCode).toBe(200);
    expect(narrow.json().scope).toBe('catalog:read');
    const token = narrow.json().access_token as string;
    expect((await asToken('POST', '/v1/products', token, { title: 'x', variants: [{ sku: 'OAUTH-NARROW', prices: [{ currency: 'USD', amount: 1 }] }] })).statusCode).toBe(403);

    const wider = await tokenRequest(t, { grant_type: 'client_credentials', scope: 'catalog:read orders:read' }, { authorization: basic(creds.client_id, creds.client_secret) });
    expect(wider.statusCode).toBe(400);
    expect(wider.headers['content-type']).toMatch(/^application\/json/);
    expect(wider.json()).toEqual({ error: 'invalid_scope', error_description: expect.stringContaining('orders:read') });
  });

  it('answers bad client authentication with 401 invalid_client and WWW-Authenticate: Basic', async () => {
    const creds = await partner();
    const cases: Record<string, string>[] = [
      { authorization: basic(creds.client_id, `${creds.client_secret}x`) },
      { authorization: basic('cli_unknown', creds.client_secret) },
      { authorization: 'Basic !!!' },
      { authorization: `Bearer ${creds.client_secret}` },
      {},
    ];
    for (const headers of cases) {
      const res = await tokenRequest(t, { grant_type: 'client_credentials' }, headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="tessera"/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json().error).toBe('invalid_client');
    }
  });

  it('answers exact RFC 6749 §5.2 errors for the grant type and malformed requests', async () => {
    const creds = await partner();
    const auth = { authorization: basic(creds.client_id, creds.client_secret) };
    const grant = await tokenRequest(t, { grant_type: 'authorization_code', code: 'x' }, auth);
    expect([grant.statusCode, grant.json().error]).toEqual([400, 'unsupported_grant_type']);
    const missing = await tokenRequest(t, { scope: 'catalog:read' }, auth);
    expect([missing.statusCode, missing.json().error]).toEqual([400, 'invalid_request']);
    const repeated = await t.call('POST', '/oauth/token', { key: null, headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&grant_type=client_credentials' });
    expect([repeated.statusCode, repeated.json().error]).toEqual([400, 'invalid_request']);
    const json = await t.call('POST', '/oauth/token', { key: null, headers: auth, body: { grant_type: 'client_credentials' } });
    expect([json.statusCode, json.json().error]).toEqual([400, 'invalid_request']);
    const twoMethods = await tokenRequest(t, { grant_type: 'client_credentials', client_id: creds.client_id, client_secret: creds.client_secret }, auth);
    expect([twoMethods.statusCode, twoMethods.json().error]).toEqual([400, 'invalid_request']);
  });

  it('accepts client_id and client_secret in the form body (RFC 6749 §2.3.1)', async () => {
    const creds = await partner();
    const res = await tokenRequest(t, { grant_type: 'client_credentials', client_id: creds.client_id, client_secret: creds.client_secret });
    expect(res.statusCode).toBe(200);
    // a wrong secret in the body: 401 invalid_client, without WWW-Authenticate (a browser would prompt for a login)
    const wrong = await tokenRequest(t, { grant_type: 'client_credentials', client_id: creds.client_id, client_secret: `${creds.client_secret}x` });
    expect([wrong.statusCode, wrong.json().error, wrong.headers['www-authenticate']]).toEqual([401, 'invalid_client', undefined]);
  });
});

describe('access tokens on every request', () => {
  it('an expired token gets 401 with WWW-Authenticate: Bearer error="invalid_token"', async () => {
    const creds = await partner();
    const token = await accessToken(t, creds);
    advance(899);
    expect((await asToken('GET', '/v1/products', token)).statusCode).toBe(200);
    advance(2);
    const res = await asToken('GET', '/v1/products', token);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="tessera", error="invalid_token"/);
    expect(res.json().detail).toMatch(/expired/);
  });

  it('a tampered or unknown token gets 401', async () => {
    const token = await accessToken(t, await partner());
    const [h, p, s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(token), scope: '*' })).toString('base64url')}.${s}`;
    expect(p).not.toBe(forged.split('.')[1]);
    const res = await asToken('GET', '/v1/products', forged);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('a token whose environment is not its client\'s gets 401', async () => {
    const creds = await partner();
    const real = decodeJwt(await accessToken(t, creds));
    // minted with the real signing key, as a leaked key or a bug would: the client check still refuses it
    const { kid, key } = await t.modules.developers.signingKeys.signing();
    const now = Math.floor(clock / 1000);
    const forged = await new SignJWT({ ...real, tessera_env: 'live' }).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid }).setIssuedAt(now).setExpirationTime(now + 600).sign(key);
    const res = await asToken('GET', '/v1/products', forged);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toMatch(/not a test-mode token/);
  });

  it('revoking a client stops its tokens and its secret at once', async () => {
    const creds = await partner();
    const token = await accessToken(t, creds);
    expect((await asToken('GET', '/v1/products', token)).statusCode).toBe(200);
    const revoked = await t.call('POST', `/v1/oauth_clients/${creds.client_id}/revoke`, { key: t.keys.liveSecret });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revoked_at).not.toBeNull();
    const res = await asToken('GET', '/v1/products', token);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    const again = await tokenRequest(t, { grant_type: 'client_credentials' }, { authorization: basic(creds.client_id, creds.client_secret) });
    expect(again.json().error).toBe('invalid_client');
  });

  it('a partner revokes its own client with its token; another partner cannot see it', async () => {
    const mine = await partner();
    const other = await partner();
    const otherToken = await accessToken(t, other);
    expect((await asToken('POST', `/v1/oauth_clients/${mine.client_id}/revoke`, otherToken)).statusCode).toBe(404);
    const token = await accessToken(t, mine);
    expect((await asToken('POST', `/v1/oauth_clients/${mine.client_id}/revoke`, token)).statusCode).toBe(200);
    expect((await asToken('GET', '/v1/products', token)).statusCode).toBe(401);
    // operator routes need a live operator key: a test secret key is refused
    expect((await t.call('POST', `/v1/oauth_clients/${other.client_id}/revoke`)).statusCode).toBe(403);
  });
});

describe('client secret rotation', () => {
  it('keeps the old secret working until its expiry, then answers invalid_client', async () => {
    const creds = await partner();
    const token = await accessToken(t, creds);
    const res = await asToken('POST', `/v1/oauth_clients/${creds.client_id}/rotate_secret`, token, { expires_in_seconds: 600 });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const { client_secret: fresh, previous_secret_expires_at } = res.json();
    expect(new Date(previous_secret_expires_at).getTime()).toBe(clock + 600_000);
    expect(fresh).not.toBe(creds.client_secret);

    await accessToken(t, creds); // the old one, during the overlap
    await accessToken(t, { client_id: creds.client_id, client_secret: fresh });
    advance(601);
    const old = await tokenRequest(t, { grant_type: 'client_credentials' }, { authorization: basic(creds.client_id, creds.client_secret) });
    expect([old.statusCode, old.json().error]).toEqual([401, 'invalid_client']);
    await accessToken(t, { client_id: creds.client_id, client_secret: fresh });
  });

  it('expires_in_seconds 0 stops the old secret at once', async () => {
    const creds = await partner();
    const res = await t.call('POST', `/v1/oauth_clients/${creds.client_id}/rotate_secret`, { key: t.keys.liveSecret, body: { expires_in_seconds: 0 } });
    expect(res.statusCode).toBe(200);
    const old = await tokenRequest(t, { grant_type: 'client_credentials' }, { authorization: basic(creds.client_id, creds.client_secret) });
    expect(old.json().error).toBe('invalid_client');
    await accessToken(t, { client_id: creds.client_id, client_secret: res.json().client_secret as string });
  });
});

describe('signing keys and the JWKS', () => {
  it('rotation keeps the previous key published (and its tokens valid) until they have expired', async () => {
    const creds = await partner();
    const before = await accessToken(t, creds);
    const oldKid = decodeProtectedHeader(before).kid!;
    expect((await t.call('POST', '/v1/oauth/signing_keys/rotate')).statusCode).toBe(403); // test key: refused
    const rotated = await t.call('POST', '/v1/oauth/signing_keys/rotate', { key: t.keys.liveSecret });
    expect(rotated.statusCode).toBe(200);
    const newKid = rotated.json().kid as string;
    expect(newKid).not.toBe(oldKid);

    expect((await jwks()).keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    const after = await accessToken(t, creds);
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    expect((await asToken('GET', '/v1/products', before)).statusCode).toBe(200);
    expect((await asToken('GET', '/v1/products', after)).statusCode).toBe(200);

    advance(900 + 61); // every token the old key signed has expired (plus the skew allowance)
    const kids = (await jwks()).keys.map((k) => k.kid);
    expect(kids).toContain(newKid);
    expect(kids).not.toContain(oldKid);
    expect((await asToken('GET', '/v1/products', await accessToken(t, creds))).statusCode).toBe(200);
  });

  it('the JWKS is public and holds only public key material', async () => {
    const res = await t.call('GET', '/.well-known/jwks.json', { key: null });
    expect(res.statusCode).toBe(200);
    for (const k of res.json().keys) {
      expect(k).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(k).not.toHaveProperty('d');
    }
  });
});

describe('tokens and environments', () => {
  it("a test token reads its partner's sandbox and never live data", async () => {
    const liveProduct = await createProduct(t, {}, t.keys.liveSecret);
    const token = await accessToken(t, await partner());
    const sandboxProduct = (await asToken('GET', '/v1/products?limit=1', token)).json().data[0]; // the demo store the sandbox was seeded with
    expect((await asToken('GET', `/v1/products/${sandboxProduct.id}`, token)).statusCode).toBe(200);
    expect((await asToken('GET', `/v1/products/${liveProduct.id}`, token)).statusCode).toBe(404);
  });
});

describe('several processes', () => {
  it('share the signing key, and a revocation or key rotation in one reaches the other', async () => {
    // a second app on the same database: another `serve` or worker process
    const other = await startTestApp({ database: { url: t.db.url, drop: async () => undefined }, now: () => new Date(clock) });
    try {
      const creds = await partner();
      const token = await accessToken(t, creds);
      expect((await other.call('GET', '/v1/products', { key: token })).statusCode).toBe(200);
      // the other process signs with the same key, and this one verifies its tokens
      const fromOther = await accessToken(other, creds);
      expect(decodeProtectedHeader(fromOther).kid).toBe(decodeProtectedHeader(token).kid);
      expect((await asToken('GET', '/v1/products', fromOther)).statusCode).toBe(200);

      // rotation here: the other process signs with the new key once the notification arrives
      const newKid = (await t.call('POST', '/v1/oauth/signing_keys/rotate', { key: t.keys.liveSecret })).json().kid as string;
      await expect.poll(async () => decodeProtectedHeader(await accessToken(other, creds)).kid, { timeout: 5000 }).toBe(newKid);

      // revocation here: the other process refuses the token once the notification arrives
      expect((await t.call('POST', `/v1/oauth_clients/${creds.client_id}/revoke`, { key: t.keys.liveSecret })).statusCode).toBe(200);
      await expect.poll(async () => (await other.call('GET', '/v1/products', { key: token })).statusCode, { timeout: 5000 }).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('signing key age', () => {
  it('a key older than the configured age (30 days) is rotated by the next token request', async () => {
    const creds = await partner();
    const before = decodeProtectedHeader(await accessToken(t, creds)).kid!;
    advance(30 * 86_400 + 1);
    const token = await accessToken(t, creds);
    const after = decodeProtectedHeader(token).kid!;
    expect(after).not.toBe(before);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual(expect.arrayContaining([before, after]));
    expect((await asToken('GET', '/v1/products', token)).statusCode).toBe(200);
    expect(decodeProtectedHeader(await accessToken(t, creds)).kid).toBe(after);
  });
});
