import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationSource } from './platform/db/migrate.js';
import { cartsMigrations } from './modules/carts/index.js';
import { catalogMigrations } from './modules/catalog/index.js';
import { customersMigrations } from './modules/customers/index.js';
import { ordersMigrations } from './modules/orders/index.js';
import { developersMigrations } from './modules/developers/index.js';
import { paymentsMigrations } from './modules/payments/index.js';
import { inventoryMigrations } from './modules/inventory/index.js';
import { pricingMigrations } from './modules/pricing/index.js';
import { promotionsMigrations } from './modules/promotions/index.js';
import { webhooksMigrations } from './modules/webhooks/index.js';
import { fulfillmentMigrations } from './modules/fulfillment/index.js';
import { marketplaceMigrations } from './modules/marketplace/index.js';
import { billingMigrations } from './modules/billing/index.js';
import { personalizationMigrations } from './modules/personalization/index.js';
import { experimentsMigrations } from './modules/experiments/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Every migration folder, in the order they apply. */
export const MIGRATIONS: readonly MigrationSource[] = [
  { module: 'platform', dir: path.join(here, 'platform/db/migrations') },
  { module: 'idempotency', dir: path.join(here, 'platform/http/migrations') },
  { module: 'events', dir: path.join(here, 'platform/events/migrations') },
  developersMigrations,
  catalogMigrations,
  pricingMigrations,
  inventoryMigrations,
  paymentsMigrations,
  promotionsMigrations,
  customersMigrations,
  cartsMigrations,
  ordersMigrations,
  fulfillmentMigrations,
  marketplaceMigrations,
  webhooksMigrations,
  billingMigrations,
  personalizationMigrations,
  experimentsMigrations,
];
