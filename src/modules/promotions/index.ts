import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { PromotionMetrics } from './promotions.metrics.js';
import { promotionsRoutes } from './promotions.routes.js';
import { Promotion } from './promotions.schemas.js';
import { PromotionsService } from './promotions.service.js';

export { PromotionsService, customerKeyOf, type RedeemResult } from './promotions.service.js';
export { evaluatePromotions, type PromotionEvaluation, type LineAdjustment } from './promotions.evaluator.js';
export { PromotionActionSchema, PromotionConditionSchema } from './promotions.registry.js';
export { testCart, testLine, testPromotion } from './promotions.fixtures.js';
export type { Promotion } from './promotions.schemas.js';
export * from './promotions.types.js';

export const promotionsMigrations: MigrationSource = {
  module: 'promotions',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/** The promotions module: operator CRUD, the cart's promotion set, redemption at order placement, and the rejection metric. */
export function createPromotionsModule(deps: ModuleDeps) {
  const metrics = new PromotionMetrics(deps.metrics.registry);
  const service = new PromotionsService(deps, metrics);
  const routes: FastifyPluginAsyncTypebox = async (app) => {
    await app.register(promotionsRoutes(deps, service));
  };
  return { service, schemas: [Promotion], routes, recordRejections: service.recordRejections.bind(service) };
}
