import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Dispatcher } from '../../platform/events/dispatcher.js';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { recordConversions } from './experiments.attribution.js';
import { ExposureLog } from './experiments.exposures.js';
import { experimentsRoutes } from './experiments.routes.js';
import { Experiment, ExperimentResults } from './experiments.schemas.js';
import { ExperimentsService } from './experiments.service.js';
import { flagsRoutes } from './flags.routes.js';
import { Flag, FlagEvaluation } from './flags.schemas.js';
import { FlagsService } from './flags.service.js';

export { ExperimentsService, type Assignment } from './experiments.service.js';
export { FlagsService } from './flags.service.js';
export { subjectOf } from './experiments.attribution.js';
export { SLOTS, STRATEGIES, type Slot, type Strategy } from './experiments.schemas.js';

export const experimentsMigrations: MigrationSource = {
  module: 'experiments',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/**
 * Feature flags and A/B experiments (#7): flag CRUD and evaluation; experiments on recommendation
 * slots with deterministic bucketing, batched exposure logging, attribution of orders through
 * an `order.created` subscriber, and per-variant results.
 */
export function createExperimentsModule(deps: ModuleDeps, dispatcher: Dispatcher) {
  const flags = new FlagsService();
  const exposures = new ExposureLog(deps);
  const experiments = new ExperimentsService(deps, exposures);
  dispatcher.subscribe('experiments.conversions', (tx, events) => recordConversions(tx, events));
  const routes: FastifyPluginAsyncTypebox = async (app) => {
    await app.register(flagsRoutes(deps, flags));
    await app.register(experimentsRoutes(deps, experiments));
  };
  return { flags, experiments, exposures, schemas: [Flag, FlagEvaluation, Experiment, ExperimentResults], routes };
}
