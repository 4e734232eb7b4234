import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { ApiKeySchema, developersRoutes } from './developers.routes.js';
import { KeysService, type SellerStatusLookup } from './keys.service.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fieldCiphers } from '../../platform/crypto/fields.js';
import type { Credential } from '../../platform/http/context.js';
import { SigningKeys } from './jwks.js';
import { looksLikeJwt, OAuthService } from './oauth.service.js';
import { oauthRoutes, oauthSchemas } from './oauth.routes.js';
import { partnersRoutes, partnerSchemas } from './partners.routes.js';
import { PartnersService, type SandboxesPort, type SellerAccountsPort } from './partners.service.js';

export { KeysService, PUBLISHABLE_SCOPES, type ApiKey, type CreatedKey, type SellerStatusLookup } from './keys.service.js';
export { CreatedApiKeySchema } from './developers.routes.js';
export type { SandboxesPort, SellerAccountsPort } from './partners.service.js';

export const developersMigrations: MigrationSource = {
  module: 'developers',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/** What the developers module needs of others (filled in composition.ts). */
export interface DevelopersPorts {
  /** The marketplace's seller status, so a suspended seller's keys and tokens stop working. */
  sellerStatus?: SellerStatusLookup;
  /** Creates the pending seller of a `seller` partner. */
  sellerAccounts?: SellerAccountsPort;
  sandboxes: SandboxesPort;
}

const noSellers: SellerAccountsPort = {
  createSeller: () => Promise.reject(new Error('no marketplace: seller partners cannot sign up')),
};

/**
 * The developers module: API keys, partners and their OAuth clients, access tokens and the JWKS.
 * `authenticate` resolves any presented bearer credential: a JWT access token or an API key.
 */
export function createDevelopersModule(deps: ModuleDeps, ports: DevelopersPorts) {
  const { sellerStatus } = ports;
  const keys = new KeysService(deps.db, deps.bus, { now: deps.now, ...(sellerStatus ? { sellerStatus } : {}) });
  const home = deps.db.forEnv('live');
  const ciphers = fieldCiphers(deps.config.fieldKeys, (env) => deps.db.forEnv(env));
  const signingKeys = new SigningKeys(home, () => ciphers('live'), deps.bus, deps.now, deps.config.oauth.tokenTtlSeconds, deps.config.oauth.signingKeyMaxAgeSeconds);
  const oauth = new OAuthService(home, signingKeys, deps.bus, { ...deps.config.oauth, now: deps.now, ...(sellerStatus ? { sellerStatus } : {}) });
  const partners = new PartnersService(deps.db, deps.bus, oauth, ports.sellerAccounts ?? noSellers, ports.sandboxes, deps.now);
  const authenticate = async (token: string, partner?: string): Promise<Credential | null> => {
    const credential = await (looksLikeJwt(token) ? oauth.authenticate(token) : keys.authenticate(token));
    return credential && partner !== undefined ? partners.actInSandbox(credential, partner) : credential;
  };
  const routes: FastifyPluginAsyncTypebox = async (app) => {
    await app.register(developersRoutes(deps, keys));
    await app.register(partnersRoutes(deps, partners));
    await app.register(oauthRoutes(deps, oauth, signingKeys));
  };
  return { keys, partners, oauth, signingKeys, authenticate, schemas: [ApiKeySchema, ...partnerSchemas, ...oauthSchemas], routes };
}
