import type { Database, EnvDb, Environment, Mode, SandboxEnv } from '../../platform/db/database.js';
import { InvalidationBus } from '../../platform/db/invalidation.js';
import type { IdGenerator } from '../../platform/crypto/ids.js';
import { hashKey } from '../../platform/crypto/keys.js';
import { scopeCovers } from '../../platform/http/auth.js';
import type { Credential, ServiceContext } from '../../platform/http/context.js';
import { AppError, Errors } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import { CLIENT_TOPIC, type OAuthService } from './oauth.service.js';
import { PartnerErrors } from './partners.errors.js';
import { MAX_CLIENTS, newSecret, presentClient, presentPartner, validScopes, type IssuedCredentials, type OAuthClient, type Partner, type SandboxesPort, type SandboxReset, type SellerAccountsPort } from './partners.model.js';
import * as repo from './partners.repo.js';

export type { IssuedCredentials, OAuthClient, Partner, SandboxesPort, SandboxReset, SellerAccountsPort } from './partners.model.js';

/**
 * Partners: self-serve signup (test-mode client credentials at once, and a pending sandbox seller
 * for sellers), operator approval (live credentials, never wider than requested), client secret
 * rotation with an overlap and revocation. Partners and clients live in the live schema: they are
 * platform accounts, not sandbox data.
 */
export class PartnersService {
  private readonly home: EnvDb;

  constructor(
    private readonly db: Database,
    private readonly bus: InvalidationBus,
    private readonly oauth: OAuthService,
    private readonly sellers: SellerAccountsPort,
    private readonly sandboxes: SandboxesPort,
    private readonly now: () => Date,
  ) {
    this.home = db.forEnv('live');
  }

  private ctxFor(env: Environment, ids: IdGenerator, requestId: string): ServiceContext {
    return { env, db: this.db.forEnv(env), actor: null, requestId, now: this.now, ids };
  }

  async signup(ids: IdGenerator, requestId: string, input: { name: string; email: string; kind: repo.PartnerKind; scopes: readonly string[] }): Promise<{ partner: Partner; credentials: IssuedCredentials }> {
    const scopes = validScopes(input.scopes, '/scopes');
    const partnerId = ids('ptr');
    const secret = newSecret('test');
    const now = this.now();
    const seller = input.kind === 'seller' ? { name: input.name, email: input.email, partnerId } : null;
    const { partner, client, sellerId } = await this.inFreshSandbox(ids, requestId, seller, async (sandbox, sellerId) =>
      this.home.transaction(async (tx) => {
        const partner = await repo.insertPartner(tx, { id: partnerId, name: input.name, email: input.email, kind: input.kind, requested_scopes: scopes, test_seller_id: sellerId, sandbox, created_at: now });
        const client = await repo.insertClient(tx, { id: ids('cli'), partner_id: partnerId, env: 'test', scopes, seller_id: sellerId, created_at: now }, hashKey(secret));
        return { partner, client, sellerId };
      }),
    );
    return { partner: presentPartner(partner, [client]), credentials: { client_id: client.id, client_secret: secret, environment: 'test', scopes, seller_id: sellerId } };
  }

  async approve(ctx: ServiceContext, id: string, granted: readonly string[]): Promise<{ partner: Partner; credentials: IssuedCredentials }> {
    const scopes = validScopes(granted, '/scopes');
    const partner = await this.find(id);
    const wider = scopes.filter((s) => !scopeCovers(partner.requested_scopes, s));
    if (wider.length) {
      throw new AppError(PartnerErrors.scopesWiderThanRequested, `The partner did not request ${wider.join(', ')} (requested: ${partner.requested_scopes.join(', ')}).`, [{ detail: 'Wider than requested.', pointer: '/scopes' }]);
    }
    if (partner.status !== 'pending') throw new AppError(PartnerErrors.partnerAlreadyApproved, `Partner ${id} is already approved.`);
    const sellerId = partner.kind === 'seller' ? (await this.sellers.createSeller(this.ctxFor('live', ctx.ids, ctx.requestId), { name: partner.name, email: partner.email }, id)).id : null;
    const secret = newSecret('live');
    const now = this.now();
    const { row, client } = await this.home.transaction(async (tx) => {
      const locked = await repo.findPartner(tx, id, true);
      if (locked?.status !== 'pending') throw new AppError(PartnerErrors.partnerAlreadyApproved, `Partner ${id} is already approved.`);
      const row = await repo.approvePartner(tx, id, scopes, sellerId, now);
      const client = await repo.insertClient(tx, { id: ctx.ids('cli'), partner_id: id, env: 'live', scopes, seller_id: sellerId, created_at: now }, hashKey(secret));
      return { row, client };
    });
    return { partner: presentPartner(row, await repo.clientsOf(this.home, id)), credentials: { client_id: client.id, client_secret: secret, environment: 'live', scopes: client.scopes, seller_id: sellerId } };
  }

  /**
   * `POST /v1/test_helpers/reset`: wipes the calling partner's test data. The partner gets a fresh
   * sandbox (the demo store, and its pending test seller again under the same id) in one update;
   * the old one stops at once and is dropped after a grace period. Its clients, secrets, live data,
   * usage and request log are untouched. Concurrent resets queue on the partner's row; each leaves
   * a fresh sandbox.
   */
  async resetSandbox(caller: Credential, ids: IdGenerator, requestId: string): Promise<SandboxReset> {
    if (!caller.partnerId || caller.env === 'live') {
      throw new AppError(PartnerErrors.sandboxRequired, "Resetting wipes a partner's own sandbox: call it with an access token of the partner's test-mode client.");
    }
    const partner = await this.find(caller.partnerId);
    const now = this.now();
    const seller = partner.kind === 'seller' && partner.test_seller_id ? { name: partner.name, email: partner.email, partnerId: partner.id, id: partner.test_seller_id } : null;
    const clients = await this.inFreshSandbox(ids, requestId, seller, (fresh) =>
      this.home.transaction(async (tx) => {
        const swapped = await repo.swapSandbox(tx, partner.id, fresh, now);
        if (swapped?.previous) await this.sandboxes.retire(tx, swapped.previous);
        // read under the partner's row lock (createClient takes it too): no client is missed
        const test = (await repo.clientsOf(tx, partner.id)).filter((c) => c.env === 'test');
        for (const c of test) await InvalidationBus.publish(tx, 'live', CLIENT_TOPIC, c.id);
        return test;
      }),
    );
    for (const c of clients) {
      this.oauth.forget(c.id);
      this.bus.deliver('live', CLIENT_TOPIC, c.id);
    }
    return { object: 'sandbox_reset', partner_id: partner.id, environment: 'test', seller_id: partner.kind === 'seller' ? partner.test_seller_id : null, reset_at: now.toISOString() };
  }

  /**
   * Makes a sandbox (and in it the partner's pending test seller, under `seller.id` when given),
   * then runs `use` to point the partner at it. If anything fails, the new sandbox is retired, so
   * neither a signup nor a reset leaves a half-made one behind.
   */
  private async inFreshSandbox<T>(
    ids: IdGenerator,
    requestId: string,
    seller: { name: string; email: string; partnerId: string; id?: string } | null,
    use: (sandbox: SandboxEnv, sellerId: string | null) => Promise<T>,
  ): Promise<T> {
    const sandbox = await this.sandboxes.create();
    try {
      const sellerId = seller ? (await this.sellers.createSeller(this.ctxFor(sandbox, ids, requestId), { name: seller.name, email: seller.email }, seller.partnerId, seller.id)).id : null;
      return await use(sandbox, sellerId);
    } catch (err) {
      await this.sandboxes.retire(this.home, sandbox).catch(() => undefined);
      throw err;
    }
  }

  /**
   * An operator's test-mode secret key sent with `Tessera-Partner: ptr_…` acts in that partner's
   * sandbox: to moderate a seller partner's listings, activate its test seller, or look at what the
   * partner sees. Any other credential is refused (403): a partner never reaches another's sandbox.
   */
  async actInSandbox(credential: Credential, partnerId: string): Promise<Credential> {
    if (credential.partnerId || credential.sellerId || credential.type !== 'secret' || credential.env !== 'test') {
      throw new AppError(PartnerErrors.partnerHeaderNotAllowed, "Tessera-Partner is for operators: send it with a test-mode secret key to act in that partner's sandbox.", [
        { detail: 'Not allowed with this credential.', parameter: 'Tessera-Partner' },
      ]);
    }
    const partner = /^ptr_\w{1,60}$/.test(partnerId) ? await repo.findPartner(this.home, partnerId) : undefined;
    if (!partner) throw new AppError(PartnerErrors.partnerNotFound, `No partner ${partnerId}.`, [{ detail: 'Unknown partner.', parameter: 'Tessera-Partner' }]);
    return { ...credential, env: partner.sandbox ?? 'test' };
  }

  private async find(id: string): Promise<repo.PartnerRow> {
    const row = await repo.findPartner(this.home, id);
    if (!row) throw new AppError(PartnerErrors.partnerNotFound, `No partner ${id}.`);
    return row;
  }

  async get(id: string): Promise<Partner> {
    return presentPartner(await this.find(id), await repo.clientsOf(this.home, id));
  }

  async list(after: string | undefined, limit: number): Promise<List<Partner>> {
    const rows = await repo.pagePartners(this.home, after, limit + 1);
    const clients = await repo.clientsOfMany(this.home, rows.map((p) => p.id));
    const partners = rows.map((p) => presentPartner(p, clients.filter((c) => c.partner_id === p.id)));
    return toList(partners, limit, (p) => p.id);
  }

  /** The client `id` as `caller` may manage it: its own partner's, or any with an operator's live `partners:write`. */
  private async manageable(caller: Credential, id: string): Promise<repo.ClientRow> {
    if (!caller.partnerId) operatorOnly(caller, 'partners:write');
    const client = await repo.findClient(this.home, id);
    if (!client || (caller.partnerId && client.partner_id !== caller.partnerId)) throw new AppError(PartnerErrors.clientNotFound, `No OAuth client ${id}.`);
    return client;
  }

  /**
   * A partner's additional client (another deployment, a narrower integration): in test mode, or
   * in live mode once approved; scopes no wider than the partner's (requested in test, granted in
   * live); bound to the partner's seller in that mode. The secret is shown once. At most
   * MAX_CLIENTS active clients per mode; the partner's row is locked, so concurrent calls count right.
   */
  async createClient(caller: Credential, ids: IdGenerator, input: { environment?: Mode; scopes?: readonly string[] }): Promise<{ client: OAuthClient; client_secret: string }> {
    if (!caller.partnerId) throw new AppError(PartnerErrors.notAPartner, 'Only a partner access token creates OAuth clients; operators issue live ones by approval.');
    const env: Mode = input.environment ?? (caller.env === 'live' ? 'live' : 'test');
    const secret = newSecret(env);
    const now = this.now();
    const client = await this.home.transaction(async (tx) => {
      const partner = await repo.findPartner(tx, caller.partnerId!, true);
      if (!partner) throw new AppError(PartnerErrors.partnerNotFound, `No partner ${caller.partnerId!}.`);
      if (env === 'live' && (partner.status !== 'approved' || !partner.granted_scopes)) throw new AppError(PartnerErrors.partnerNotApproved, 'Live clients come after an operator approves the partner.');
      const allowed = env === 'live' ? partner.granted_scopes! : partner.requested_scopes;
      const scopes = input.scopes ? validScopes(input.scopes, '/scopes') : allowed;
      const wider = scopes.filter((s) => !scopeCovers(allowed, s));
      if (wider.length) throw new AppError(PartnerErrors.scopesWiderThanRequested, `The partner may not use ${wider.join(', ')} in ${env} mode (allowed: ${allowed.join(', ')}).`, [{ detail: 'Wider than allowed.', pointer: '/scopes' }]);
      const active = (await repo.clientsOf(tx, partner.id)).filter((c) => c.env === env && !c.revoked_at).length;
      if (active >= MAX_CLIENTS) throw new AppError(PartnerErrors.tooManyClients, `A partner has at most ${MAX_CLIENTS} active ${env} clients; revoke one first.`);
      const sellerId = env === 'live' ? partner.live_seller_id : partner.test_seller_id;
      return repo.insertClient(tx, { id: ids('cli'), partner_id: partner.id, env, scopes: [...scopes], seller_id: sellerId, created_at: now }, hashKey(secret));
    });
    return { client: presentClient(client), client_secret: secret };
  }

  /** A new secret; the old ones keep working for `expiresInSeconds` (0: stop at once). */
  async rotateSecret(caller: Credential, id: string, expiresInSeconds: number): Promise<{ client: OAuthClient; client_secret: string; previous_secret_expires_at: string }> {
    const client = await this.manageable(caller, id);
    if (client.revoked_at) throw new AppError(PartnerErrors.clientNotFound, `OAuth client ${id} is revoked.`);
    const secret = newSecret(client.env);
    const now = this.now();
    const until = new Date(now.getTime() + expiresInSeconds * 1000);
    await this.home.transaction(async (tx) => {
      await repo.expireSecrets(tx, id, now, until);
      await repo.insertSecret(tx, id, hashKey(secret), now);
    });
    return { client: presentClient(client), client_secret: secret, previous_secret_expires_at: until.toISOString() };
  }

  /** Revokes a client: its secrets and every token already issued to it stop working at once, in every process. */
  async revoke(caller: Credential, id: string): Promise<OAuthClient> {
    await this.manageable(caller, id);
    const row = await this.home.transaction(async (tx) => {
      const r = await repo.revokeClient(tx, id, this.now());
      if (r) await InvalidationBus.publish(tx, 'live', CLIENT_TOPIC, id);
      return r;
    });
    if (!row) throw new AppError(PartnerErrors.clientNotFound, `No active OAuth client ${id}.`);
    this.oauth.forget(id);
    this.bus.deliver('live', CLIENT_TOPIC, id);
    return presentClient(row);
  }
}

/** Operator routes act on platform accounts: a live-mode credential with `scope`. */
export function operatorOnly(caller: Credential, scope: string): void {
  if (caller.partnerId) throw new AppError(PartnerErrors.liveModeRequired, 'Partner credentials cannot manage partners.');
  if (caller.env !== 'live') throw new AppError(PartnerErrors.liveModeRequired, 'Partners are platform accounts: manage them with a live-mode key.');
  if (!scopeCovers(caller.scopes, scope)) throw new AppError(Errors.insufficientScope, `This key lacks the scope ${scope}.`);
}
