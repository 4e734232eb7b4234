import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { Dispatcher } from '../../platform/events/dispatcher.js';
import type { ModuleDeps } from '../../platform/http/module.js';

export const marketplaceMigrations: MigrationSource = {
  module: 'marketplace',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/**
 * The marketplace module: sellers, seller orders, the seller ledger and settlements.
 * Seller orders and ledger entries follow orders through outbox subscribers on the dispatcher.
 */
export function createMarketplaceModule(deps: ModuleDeps, dispatcher: Dispatcher) {
  void deps;
  void dispatcher;
  const schemas: TSchema[] = [];
  const parts: FastifyPluginAsyncTypebox[] = [];
  const routes: FastifyPluginAsyncTypebox = async (app) => {
    for (const part of parts) await app.register(part);
  };
  return { schemas, routes };
}
