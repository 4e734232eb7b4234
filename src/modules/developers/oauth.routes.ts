import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { ModuleDeps } from '../../platform/http/module.js';
import { serviceContext } from '../../platform/http/module.js';
import type { SigningKeys } from './jwks.js';
import { OAuthError, type OAuthService } from './oauth.service.js';
import { operatorOnly } from './partners.service.js';

/** The RFC 6749 §5.2 error body: the one exception to problem+json, because OAuth clients expect it. */
const OAuthErrorBody = Type.Object(
  {
    error: Type.Union(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'].map((c) => Type.Literal(c))),
    error_description: Type.String(),
  },
  { $id: 'OAuthError' },
);

const Jwk = Type.Object({ kty: Type.String(), kid: Type.String(), alg: Type.String(), use: Type.String(), crv: Type.Optional(Type.String()), x: Type.Optional(Type.String()) });

/** A form body as parsed: every value of every name (a repeated parameter is an invalid_request). */
type Form = Record<string, string[]>;
const FORM = Symbol('form');

function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/** The client's id and secret: HTTP Basic (RFC 6749 §2.3.1, each part form-encoded) or the body, never both. */
function clientCredentials(request: FastifyRequest, form: Record<string, string | undefined>): { id: string; secret: string } {
  const header = request.headers.authorization;
  const inBody = form.client_id !== undefined || form.client_secret !== undefined;
  if (header) {
    if (inBody) throw new OAuthError('invalid_request', 'Authenticate the client with one method: HTTP Basic or client_id/client_secret in the body, not both.');
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    const i = decoded.indexOf(':');
    if (i < 1) throw new OAuthError('invalid_client', 'The Authorization header must be HTTP Basic with client_id:client_secret.');
    try {
      return { id: formDecode(decoded.slice(0, i)), secret: formDecode(decoded.slice(i + 1)) };
    } catch {
      throw new OAuthError('invalid_client', 'The Basic credentials are not form-encoded correctly.');
    }
  }
  if (form.client_id && form.client_secret) return { id: form.client_id, secret: form.client_secret };
  throw new OAuthError('invalid_client', 'Client authentication is required: HTTP Basic with client_id:client_secret.');
}

/** `POST /oauth/token` (client credentials), `GET /.well-known/jwks.json` and the operator's signing-key rotation. */
export function oauthRoutes(deps: ModuleDeps, oauth: OAuthService, keys: SigningKeys): FastifyPluginAsyncTypebox {
  return async (app) => {
    // RFC 6749 token requests are form-encoded; Fastify parses only JSON and text by itself
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
      const form: Form = {};
      for (const [k, v] of new URLSearchParams(String(body))) (form[k] ??= []).push(v);
      done(null, { [FORM]: form });
    });

    app.post(
      '/oauth/token',
      {
        config: { auth: { public: true } },
        // the body is read by the handler, so every failure is an OAuth error, not a 422 problem
        validatorCompiler: () => () => true,
        schema: {
          tags: ['OAuth'],
          summary: 'Issue an access token (client credentials)',
          security: [{ oauthClient: [] }],
          description:
            'RFC 6749 §4.4. Authenticate with HTTP Basic (client_id:client_secret), send `grant_type=client_credentials` and an optional space-separated `scope` (a subset of the granted scopes) as `application/x-www-form-urlencoded`. ' +
            'The token is an RFC 9068 JWT (`typ: at+jwt`, EdDSA) to send as `Authorization: Bearer`; verify it with /.well-known/jwks.json. Errors follow RFC 6749 §5.2 (`{ error, error_description }`), not problem+json.',
          consumes: ['application/x-www-form-urlencoded'],
          body: Type.Object({
            grant_type: Type.Literal('client_credentials'),
            scope: Type.Optional(Type.String()),
            client_id: Type.Optional(Type.String()),
            client_secret: Type.Optional(Type.String()),
          }),
          response: {
            200: Type.Object({ access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer(), scope: Type.String() }),
            400: Type.Ref(OAuthErrorBody),
            401: Type.Ref(OAuthErrorBody),
          },
        },
      },
      async (request, reply) => {
        void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
        const raw = request.body as { [FORM]?: Form } | undefined;
        const form = raw?.[FORM];
        // RFC 6749 §5.2: WWW-Authenticate answers a client that used (or omitted) HTTP authentication; a
        // client that authenticated in the body (client_secret_post, as browsers do) gets none, so no login prompt
        const bodyAuth = !request.headers.authorization && form?.client_secret !== undefined;
        try {
          if (!form) throw new OAuthError('invalid_request', 'The body must be application/x-www-form-urlencoded.');
          const repeated = Object.keys(form).filter((k) => form[k]!.length > 1);
          if (repeated.length) throw new OAuthError('invalid_request', `Parameters must not repeat: ${repeated.join(', ')}.`);
          const one = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, v[0]]));
          if (!one.grant_type) throw new OAuthError('invalid_request', 'grant_type is required.');
          const client = clientCredentials(request, one);
          return await oauth.token(client.id, client.secret, one.grant_type, one.scope);
        } catch (err) {
          if (!(err instanceof OAuthError)) throw err;
          if (err.status === 401 && !bodyAuth) void reply.header('www-authenticate', 'Basic realm="tessera", charset="UTF-8"');
          return reply.code(err.status).type('application/json').send({ error: err.error, error_description: err.description });
        }
      },
    );

    app.get(
      '/.well-known/jwks.json',
      {
        config: { auth: { public: true } },
        schema: { tags: ['OAuth'], summary: 'Access-token signing keys (JWKS)', security: [], description: 'The public keys that verify access tokens. A rotated key stays here until every token it signed has expired.', response: { 200: Type.Object({ keys: Type.Array(Jwk) }) } },
      },
      async (_request, reply) => {
        const published = await keys.published();
        return reply.header('cache-control', 'public, max-age=60').send({ keys: published.map((k) => ({ kty: String(k.kty), kid: String(k.kid), alg: String(k.alg), use: String(k.use), ...(k.crv ? { crv: k.crv } : {}), ...(k.x ? { x: k.x } : {}) })) });
      },
    );

    app.post(
      '/v1/oauth/signing_keys/rotate',
      {
        config: { auth: { scopes: ['partners:write'] } },
        schema: { tags: ['OAuth'], summary: 'Rotate the access-token signing key (operators, live mode)', response: { 200: Type.Object({ kid: Type.String() }) } },
      },
      async (request) => {
        operatorOnly(serviceContext(request, deps).actor!, 'partners:write');
        return keys.rotate();
      },
    );
  };
}

export const oauthSchemas = [OAuthErrorBody];
