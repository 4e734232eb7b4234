import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { toList, type List, type ListParams } from '../../platform/http/pagination.js';
import { emit } from '../../platform/events/outbox.js';
import * as repo from './endpoints.repo.js';
import { WebhookErrors } from './webhooks.errors.js';
import type { WebhookEndpoint } from './webhooks.schemas.js';
import { unreachablePatterns } from './webhooks.sellers.js';
import { generateSecret } from './webhooks.signing.js';
import { assertPublicHost, ForbiddenAddressError } from './webhooks.ssrf.js';

export function presentEndpoint(row: repo.EndpointRow, secret?: string): WebhookEndpoint {
  return {
    id: row.id,
    object: 'webhook_endpoint',
    url: row.url,
    description: row.description,
    enabled_events: row.enabled_events,
    status: row.status,
    disabled_reason: row.disabled_reason,
    failing_since: row.failing_since?.toISOString() ?? null,
    ...(secret ? { secret } : {}),
    metadata: row.metadata,
    seller_id: row.seller_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export interface EndpointInput {
  url: string;
  enabled_events: string[];
  description?: string;
  metadata?: Record<string, string>;
}

/** A seller key reaches only its own endpoints; operators reach all. */
const scopeOf = (ctx: ServiceContext): repo.EndpointScope => ctx.actor?.sellerId ?? null;

/** Seller endpoints must name events a seller can receive (webhooks.sellers.ts). */
function checkSellerEvents(ctx: ServiceContext, patterns: readonly string[] | undefined): void {
  if (!scopeOf(ctx) || !patterns) return;
  const bad = unreachablePatterns(patterns);
  if (bad.length) {
    throw new AppError(
      WebhookErrors.eventsNotForSellers,
      `A seller endpoint receives only its own seller_order.*, shipment.*, product.*, payout.*, chargeback.* and seller.updated events; ${bad.join(', ')} would never match.`,
      bad.map((p) => ({ detail: `${p} is not a seller event.`, pointer: `/enabled_events/${patterns.indexOf(p)}` })),
    );
  }
}

/** Management of webhook endpoints and their secrets: operators, and sellers for their own endpoints. */
export class EndpointsService {
  constructor(private readonly options: { testAllowPrivate: boolean }) {}

  /**
   * Refuses URLs a delivery must not go to. Live mode: https only, and no host that resolves to a
   * private, loopback or link-local address (checked again at every delivery, against DNS
   * rebinding). Test mode may use http and, unless configured otherwise, local receivers.
   */
  async checkUrl(ctx: ServiceContext, raw: string): Promise<string> {
    const invalid = (detail: string) => new AppError(WebhookErrors.urlNotAllowed, detail, [{ detail, pointer: '/url' }]);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalid('Not an absolute URL.');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('Use an http or https URL.');
    if (url.username || url.password) throw invalid('Credentials in the URL are not allowed; authenticate deliveries by their signature.');
    if (ctx.env === 'live' && url.protocol !== 'https:') throw invalid('Live endpoints must use https.');
    if (ctx.env === 'live' || !this.options.testAllowPrivate) {
      try {
        await assertPublicHost(url.hostname);
      } catch (err) {
        if (err instanceof ForbiddenAddressError) throw invalid(`${err.host} resolves to ${err.address}: private, loopback and link-local addresses are refused.`);
        throw invalid(`${url.hostname} does not resolve.`);
      }
    }
    return url.toString();
  }

  async create(ctx: ServiceContext, input: EndpointInput): Promise<WebhookEndpoint> {
    checkSellerEvents(ctx, input.enabled_events);
    const url = await this.checkUrl(ctx, input.url);
    const secret = generateSecret();
    const row = await repo.insertEndpoint(
      ctx.db,
      { id: ctx.ids('we'), url, description: input.description ?? '', enabled_events: [...new Set(input.enabled_events)], status: 'enabled', metadata: input.metadata ?? {}, seller_id: scopeOf(ctx), created_at: ctx.now() },
      secret,
    );
    return presentEndpoint(row, secret);
  }

  async get(ctx: ServiceContext, id: string): Promise<WebhookEndpoint> {
    return presentEndpoint(await this.find(ctx, id));
  }

  async list(ctx: ServiceContext, q: ListParams): Promise<List<WebhookEndpoint>> {
    const rows = await repo.pageEndpoints(ctx.db, q.starting_after, q.limit + 1, scopeOf(ctx));
    return toList(rows.map((r) => presentEndpoint(r)), q.limit, (e) => e.id);
  }

  async update(ctx: ServiceContext, id: string, input: Partial<EndpointInput> & { status?: 'enabled' | 'disabled' }): Promise<WebhookEndpoint> {
    checkSellerEvents(ctx, input.enabled_events);
    const url = input.url === undefined ? undefined : await this.checkUrl(ctx, input.url);
    const fields: repo.EndpointWrite = {
      url,
      description: input.description,
      enabled_events: input.enabled_events && [...new Set(input.enabled_events)],
      metadata: input.metadata,
    };
    if (input.status === 'enabled') Object.assign(fields, { status: 'enabled', disabled_reason: null, failing_since: null });
    if (input.status === 'disabled') Object.assign(fields, { status: 'disabled', disabled_reason: 'operator' });
    const row = await repo.updateEndpoint(ctx.db, id, fields, ctx.now(), scopeOf(ctx));
    if (!row) throw notFound(id);
    return presentEndpoint(row);
  }

  async delete(ctx: ServiceContext, id: string): Promise<{ id: string; object: 'webhook_endpoint'; deleted: true }> {
    if (!(await repo.deleteEndpoint(ctx.db, id, scopeOf(ctx)))) throw notFound(id);
    return { id, object: 'webhook_endpoint', deleted: true };
  }

  /** A new secret; the current one keeps signing too for `overlapSeconds`, so receivers can switch without a gap. */
  async rotateSecret(ctx: ServiceContext, id: string, overlapSeconds: number): Promise<WebhookEndpoint> {
    return ctx.db.transaction(async (tx) => {
      const row = await repo.findEndpoint(tx, id, true, scopeOf(ctx));
      if (!row) throw notFound(id);
      const now = ctx.now();
      const secret = generateSecret();
      await repo.rotateSecret(tx, id, secret, now, new Date(now.getTime() + overlapSeconds * 1000));
      return presentEndpoint(row, secret);
    });
  }

  /**
   * Disables an endpoint from a delivery's answer (410, or failing for 5 days) and emits
   * `webhook_endpoint.disabled`, once: an endpoint already disabled is left alone.
   */
  async disable(ctx: ServiceContext, id: string, reason: 'gone' | 'failing'): Promise<boolean> {
    return ctx.db.transaction(async (tx) => {
      const row = await repo.findEndpoint(tx, id, true);
      if (!row || row.status === 'disabled') return false;
      const updated = await repo.updateEndpoint(tx, id, { status: 'disabled', disabled_reason: reason }, ctx.now());
      if (!updated) return false;
      await emit(tx, ctx, { type: 'webhook_endpoint.disabled', object: presentEndpoint(updated), previous: { status: row.status, disabled_reason: row.disabled_reason } });
      return true;
    });
  }

  async find(ctx: ServiceContext, id: string): Promise<repo.EndpointRow> {
    const row = await repo.findEndpoint(ctx.db, id, false, scopeOf(ctx));
    if (!row) throw notFound(id);
    return row;
  }
}

function notFound(id: string): AppError {
  return new AppError(WebhookErrors.endpointNotFound, `No webhook endpoint ${id}.`);
}
