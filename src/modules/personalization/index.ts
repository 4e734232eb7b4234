import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { Dispatcher } from '../../platform/events/dispatcher.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { DEFAULT_BUILD_PARAMS } from './models.build.js';
import { modelsRoutes } from './models.routes.js';
import { RecommendationModel } from './models.schemas.js';
import { ModelsService, type CatalogCategoriesPort } from './models.service.js';
import type { RecommendationsPorts } from './recommendations.ports.js';
import { Recommendation, Recommendations, recommendationsRoutes } from './recommendations.routes.js';
import { RecommendationsService } from './recommendations.service.js';
import { signalsRoutes } from './signals.routes.js';
import { SignalBatchResult } from './signals.schemas.js';
import { SignalsService } from './signals.service.js';

export { ModelsService, MODEL_ACTIVATED_TOPIC, type CatalogCategoriesPort } from './models.service.js';
export { SignalsService } from './signals.service.js';
export { RecommendationsService, type RecommendInput, type RecommendationsAnswer, type ServedAnswer, type ServedStrategy } from './recommendations.service.js';
export type { ExperimentAssignment, RecommendableProduct, RecommendationsPorts, RecommendationsExperimentsPort, StrategyChoice } from './recommendations.ports.js';
export { evaluateCommand } from './models.cli.js';

/** What personalization needs of other modules (filled in composition.ts). */
export interface PersonalizationPorts {
  /** Product → category ids, for popularity per category and category affinity. */
  catalog: CatalogCategoriesPort;
}

export const personalizationMigrations: MigrationSource = {
  module: 'personalization',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/** The model service of `deps`' configuration (also used by the `recommendations evaluate` command). */
export function createModelsService(deps: Pick<ModuleDeps, 'config' | 'bus'>, ports: Pick<PersonalizationPorts, 'catalog'>): ModelsService {
  const { halfLifeDays } = deps.config.personalization;
  return new ModelsService({ bus: deps.bus, params: { ...DEFAULT_BUILD_PARAMS, half_life_days: halfLifeDays }, catalog: ports.catalog });
}

/**
 * The personalization module: shopper signals (batches, and purchases from `order.created`) and
 * recommendation model snapshots built from them (versioned, evaluated offline, one active).
 */
export function createPersonalizationModule(deps: ModuleDeps, dispatcher: Dispatcher, ports: PersonalizationPorts & { recommendations: RecommendationsPorts }) {
  const signals = new SignalsService();
  dispatcher.subscribe('personalization.signals', (tx, events, ctx) => signals.onEvents(tx, events, ctx));
  const models = createModelsService(deps, ports);
  const recommendations = new RecommendationsService(deps, ports.recommendations);
  const schemas: TSchema[] = [SignalBatchResult, RecommendationModel, Recommendation, Recommendations];
  const parts: FastifyPluginAsyncTypebox[] = [signalsRoutes(deps, signals), modelsRoutes(deps, models), recommendationsRoutes(deps, recommendations)];
  const routes: FastifyPluginAsyncTypebox = async (app) => {
    for (const part of parts) await app.register(part);
  };
  return { signals, models, recommendations, refreshIntervalMs: deps.config.personalization.refreshMinutes * 60_000, schemas, routes };
}
