import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import { createBillingModule } from './modules/billing/index.js';
import { createCartsModule, type CustomersPort } from './modules/carts/index.js';
import { createCatalogModule } from './modules/catalog/index.js';
import { createCheckoutModule } from './modules/checkout/index.js';
import { createCustomersModule } from './modules/customers/index.js';
import { createDevelopersModule, CreatedApiKeySchema } from './modules/developers/index.js';
import { createExperimentsModule, subjectOf, type ExperimentsService } from './modules/experiments/index.js';
import { createFulfillmentModule } from './modules/fulfillment/index.js';
import { createMarketplaceModule } from './modules/marketplace/index.js';
import { createInventoryModule } from './modules/inventory/index.js';
import { createOrdersModule, OrderErrors } from './modules/orders/index.js';
import { createPaymentsModule, type ProcessorDirectory } from './modules/payments/index.js';
import { createPersonalizationModule, type CatalogCategoriesPort, type RecommendableProduct, type RecommendationsPorts } from './modules/personalization/index.js';
import { createPricingModule } from './modules/pricing/index.js';
import { createPromotionsModule } from './modules/promotions/index.js';
import { createWebhooksModule } from './modules/webhooks/index.js';
import { MIGRATIONS } from './migrations.js';
import { seedDemoStore } from './seed.js';
import { Sandboxes } from './platform/db/sandboxes.js';
import { Dispatcher } from './platform/events/dispatcher.js';
import { NatsSink } from './platform/events/nats.js';
import type { EnvDb, Queryable } from './platform/db/database.js';
import type { ServiceContext } from './platform/http/context.js';
import { AppError } from './platform/http/errors.js';
import type { ModuleDeps } from './platform/http/module.js';

/**
 * The composition root of the business modules: each is created once, and the ports one module
 * declares (what carts need of promotions, what checkout needs of payments, …) are filled here
 * with the other modules' services. Modules never construct each other.
 */
export function createModules(deps: ModuleDeps, processors: ProcessorDirectory) {
  // partner sandboxes: a schema each, migrated like live and test and seeded with the demo store (#6)
  const sandboxes = new Sandboxes(deps.db, {
    migrations: MIGRATIONS,
    seed: async (tx) => void (await seedDemoStore(tx, { products: deps.config.sandbox.seedProducts })),
    graceMs: deps.config.sandbox.graceSeconds * 1000,
  });
  // hands outbox events to subscribers; `serve` and `worker` start it, tests drain it
  const dispatcher = new Dispatcher({ ...deps, registry: deps.metrics.registry }, deps.config.events);
  // a seller's status decides whether its keys work; the marketplace is created below, before any request
  const developers = createDevelopersModule(deps, {
    sellerStatus: (env, sellerId) => marketplace.sellers.status(env, sellerId),
    // a seller partner's pending seller, in the environment of ctx (signup: test; approval: live)
    sellerAccounts: { createSeller: async (ctx, input, partnerId, id) => ({ id: (await marketplace.sellers.create(ctx, input, partnerId, id)).id }) },
    sandboxes,
  });
  // a product created for a suspended seller is hidden like its other listings (#5)
  const catalog = createCatalogModule(deps, { sellers: { isSuspended: (tx, sellerId) => marketplace.sellers.isSuspended(tx, sellerId) } });
  const pricing = createPricingModule(deps, catalog.categories);
  const promotions = createPromotionsModule(deps);
  const inventory = createInventoryModule(deps);
  const payments = createPaymentsModule(deps, processors);
  const customers = createCustomersModule(deps);

  const orders = createOrdersModule(
    deps,
    {
      capture: async (ctx, id) => void (await payments.service.capture(ctx, id)),
      void: async (ctx, id) => void (await payments.service.void(ctx, id)),
      refund: async (ctx, id, input) => {
        const refund = await payments.service.refund(ctx, id, input);
        return { id: refund.id, amount: refund.amount, status: refund.status, created_at: new Date(refund.created_at) };
      },
    },
    {
      release: async (ctx, tx, reservationId, keep) => void (await inventory.service.releaseAllocation(ctx, { reservation_id: reservationId, keep }, tx)),
      restock: async (ctx, reservationId, lines) => void (await inventory.service.restock(ctx, { reservation_id: reservationId, ...(lines ? { lines } : {}) })),
    },
    promotions.service,
  );

  const profiles: CustomersPort = {
    profile: async (ctx, who) => {
      const [segments, has_orders] = await Promise.all([who.customerId ? customers.customers.segments(ctx, who.customerId) : [], orders.orders.hasOrders(ctx, who)]);
      return { segments, has_orders };
    },
  };
  const carts = createCartsModule(deps, pricing.regions, promotions.service, profiles);
  // flags and A/B experiments (#7); an order's events carry its subject's assignments
  const experiments = createExperimentsModule(deps, dispatcher);

  const checkout = createCheckoutModule(deps, {
    carts: carts.carts,
    claims: carts.checkout,
    abandonment: carts.abandonment,
    inventory: inventory.service,
    orders: orders.orders,
    promotions: promotions.service,
    experiments: {
      // the order's subject: its customer id, else the cart's metadata.anonymous_id
      assignments: async (ctx, tx, cart) => {
        const subject = subjectOf(cart);
        return subject ? experiments.experiments.assignments(ctx.env, tx, subject) : {};
      },
    },
    payments: {
      authorize: async (ctx, input) => {
        // automatic capture is a sale: authorised and captured in one processor call
        const result = await payments.service.authorize(ctx, { ...input, captureImmediately: input.captureMethod === 'automatic' });
        return { paymentId: result.payment.id, captured: result.payment.status === 'succeeded', outcome: result.outcome, declineCode: result.declineCode };
      },
      reverse: async (ctx, id) => void (await payments.service.reverse(ctx, id)),
      attachOrder: (tx, paymentId, orderId) => payments.service.attachOrder(tx, paymentId, orderId),
    },
  });

  const fulfillment = createFulfillmentModule(deps, orders.orders, {
    location: (ctx, id) => inventory.locations.get(ctx, id),
    ship: async (ctx, tx, input) => void (await inventory.service.ship(ctx, { reservation_id: input.reservationId, location_id: input.locationId, lines: input.units }, tx)),
  }, async (ctx, orderId) => {
    // the sellers of the order's lines: which seller a shipment belongs to (marketplace, #5)
    try {
      return new Map((await orders.orders.get(ctx, orderId)).lines.map((l) => [l.id, l.seller_id]));
    } catch (err) {
      if (err instanceof AppError && err.spec === OrderErrors.orderNotFound) return undefined;
      throw err;
    }
  });
  const webhooks = createWebhooksModule(deps, dispatcher);
  const marketplace = createMarketplaceModule(deps, dispatcher, {
    keys: { createSellerKey: (env, ids, input) => developers.keys.createSellerKey(env, ids, input), createdKeySchema: CreatedApiKeySchema },
    // a suspended seller's listings leave the storefront, in the status change's transaction
    listings: { setSellerSuspended: async (tx, env, sellerId, suspended) => void (await catalog.products.setSellerSuspended(tx, env, sellerId, suspended)) },
    // these read inside the dispatcher's transaction: each service is handed a context bound to it
    sellerOrders: {
      orders: {
        find: async (ctx, tx, id) => {
          try {
            return await orders.orders.get(inTransaction(ctx, tx), id);
          } catch (err) {
            if (err instanceof AppError && err.spec === OrderErrors.orderNotFound) return undefined;
            throw err;
          }
        },
      },
      shipments: { ofOrder: (ctx, tx, orderId) => fulfillment.shipments.listForOrder(inTransaction(ctx, tx), orderId) },
      catalog: {
        categoryPaths: async (ctx, tx, productIds) => {
          const bound = inTransaction(ctx, tx);
          const products = await catalog.products.loadMany(bound, productIds);
          const paths = new Map<string, string[]>();
          for (const id of new Set(products.flatMap((p) => p.category_ids))) {
            // a category deleted since the product was saved has no path (404): it rates nothing
            const category = await catalog.categories.get(bound, id).catch((err: unknown) => (err instanceof AppError ? undefined : Promise.reject(err instanceof Error ? err : new Error(String(err)))));
            paths.set(id, category?.path ?? []);
          }
          return new Map(products.map((p) => [p.id, p.category_ids.map((c) => paths.get(c) ?? []).filter((path) => path.length > 0)]));
        },
      },
    },
  });
  // plans, usage metering of partner calls and the request log (#6); a partner's existence is the developers module's to say
  const billing = createBillingModule(deps, {
    partners: {
      exists: (id) =>
        developers.partners.get(id).then(
          () => true,
          (err: unknown) => (err instanceof AppError && err.spec.code === 'partner_not_found' ? false : Promise.reject(err instanceof Error ? err : new Error(String(err)))),
        ),
    },
  });
  // signals and recommendation models (#7); purchases come from order.created
  const personalization = createPersonalizationModule(deps, dispatcher, { catalog: catalogCategories(catalog), recommendations: recommendationPorts(catalog, inventory, carts, experiments.experiments) });
  const { natsUrl, natsStream } = deps.config.events;
  const nats = natsUrl ? new NatsSink({ ...deps, pollMs: deps.config.events.pollMs }, natsUrl, natsStream) : undefined;
  if (nats) dispatcher.subscribe('nats', nats.subscriber);

  const all = { developers, catalog, pricing, promotions, inventory, payments, customers, orders, carts, checkout, fulfillment, webhooks, marketplace, billing, experiments, personalization };
  const schemas: TSchema[] = Object.values(all).flatMap((m) => m.schemas as readonly TSchema[]);
  const routes: FastifyPluginAsyncTypebox[] = Object.values(all).map((m) => m.routes);
  return { ...all, dispatcher, nats, sandboxes, schemas, routes };
}

/** Product → category ids from the catalog, 500 products a query (the model build's port; the CLI uses it too). */
export function catalogCategories(catalog: Pick<ReturnType<typeof createCatalogModule>, 'products'>): CatalogCategoriesPort {
  return {
    categoriesOf: async (ctx, ids) => {
      const out = new Map<string, string[]>();
      for (let i = 0; i < ids.length; i += 500) for (const p of await catalog.products.loadMany(ctx, ids.slice(i, i + 500))) out.set(p.id, p.category_ids);
      return out;
    },
  };
}

/**
 * What `GET /v1/recommendations` reads of other modules: products from the catalog's product cache
 * (concurrent, each a cache hit when warm), SKU availability in one inventory read, a cart's products.
 */
function recommendationPorts(
  catalog: Pick<ReturnType<typeof createCatalogModule>, 'products'>,
  inventory: Pick<ReturnType<typeof createInventoryModule>, 'stock'>,
  carts: Pick<ReturnType<typeof createCartsModule>, 'carts'>,
  experiments: Pick<ExperimentsService, 'experimentFor' | 'expose'>,
): RecommendationsPorts {
  return {
    catalog: {
      products: async (ctx, ids) => {
        const found = await Promise.all(ids.map((id) => catalog.products.cache.get(ctx.env, id)));
        const out = new Map<string, RecommendableProduct>();
        for (const c of found) {
          if (c) out.set(c.product.id, { id: c.product.id, onStorefront: c.product.status === 'published' && c.product.seller_suspended !== true, skus: c.product.variants.map((v) => v.sku), category_ids: c.product.category_ids });
        }
        return out;
      },
    },
    stock: { inStock: async (ctx, skus) => new Set((await inventory.stock.availability(ctx, skus)).filter((a) => !a.tracked || a.available > 0).map((a) => a.sku)) },
    carts: { productIds: (ctx, cartId) => carts.carts.productIds(ctx, cartId) },
    // the running experiment on the slot picks the strategy; serving logs the exposure (#7)
    experiments: {
      assign: async (ctx, request) => {
        const subject = request.customer_id ?? request.anonymous_id;
        const assigned = subject ? await experiments.experimentFor(ctx, request.slot, subject) : null;
        return assigned ? { experiment: { key: assigned.key, variant: assigned.variant }, strategy: assigned.strategy } : null;
      },
      served: async (ctx, assignment, served) => {
        const subject = served.customer_id ?? served.anonymous_id;
        if (subject) await experiments.expose(ctx, assignment.experiment, subject);
      },
    },
  };
}

/** `ctx` with its database bound to `tx`: a service called from inside a transaction (a subscriber's) reads through it. */
function inTransaction(ctx: ServiceContext, tx: Queryable): ServiceContext {
  const db: EnvDb = { env: ctx.env, query: (sql, params, name) => tx.query(sql, params, name), afterCommit: (fn) => tx.afterCommit(fn), transaction: (fn) => fn(tx) };
  return { ...ctx, db };
}

export type Modules = ReturnType<typeof createModules>;
