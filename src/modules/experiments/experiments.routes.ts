import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ListOf } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { DeletedOf, IdParam } from '../../platform/http/schemas.js';
import { Experiment, ExperimentCreate, ExperimentListQuery, ExperimentPatch, ExperimentResults, ResultsQuery } from './experiments.schemas.js';
import type { ExperimentsService } from './experiments.service.js';

const READ = { auth: { scopes: ['experiments:read'] } } as const;
const WRITE = { auth: { scopes: ['experiments:write'] } } as const;
const tags = ['Experiments'];

/** Operator routes for A/B experiments on recommendation slots (`experiments:*` scopes). */
export function experimentsRoutes(deps: ModuleDeps, experiments: ExperimentsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/experiments',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Create an experiment',
          description: 'Each variant serves a recommendation strategy to its share (weight) of subjects, bucketed by SHA-256(experiment key, subject). One running experiment per slot.',
          body: ExperimentCreate,
          response: { 201: Type.Ref(Experiment) },
        },
      },
      async (request, reply) => reply.code(201).send(await experiments.create(serviceContext(request, deps), request.body)),
    );
    app.get(
      '/v1/experiments',
      { config: READ, schema: { tags, summary: 'List experiments', description: 'Ordered by id (creation time).', querystring: ExperimentListQuery, response: { 200: ListOf(Type.Ref(Experiment)) } } },
      async (request) => experiments.list(serviceContext(request, deps), request.query),
    );
    app.get(
      '/v1/experiments/:id',
      { config: READ, schema: { tags, summary: 'Retrieve an experiment', params: IdParam, response: { 200: Type.Ref(Experiment) } } },
      async (request) => experiments.get(serviceContext(request, deps), request.params.id),
    );
    app.patch(
      '/v1/experiments/:id',
      { config: WRITE, schema: { tags, summary: 'Update an experiment', description: 'Start it with `status: "running"`, end it with `"stopped"`.', params: IdParam, body: ExperimentPatch, response: { 200: Type.Ref(Experiment) } } },
      async (request) => experiments.update(serviceContext(request, deps), request.params.id, request.body),
    );
    app.delete(
      '/v1/experiments/:id',
      { config: WRITE, schema: { tags, summary: 'Delete an experiment', description: 'Not while running (409): stop it first. Its exposures and conversions go with it.', params: IdParam, response: { 200: DeletedOf('experiment') } } },
      async (request) => {
        await experiments.remove(serviceContext(request, deps), request.params.id);
        return { id: request.params.id, object: 'experiment' as const, deleted: true as const };
      },
    );
    app.get(
      '/v1/experiments/:id/results',
      {
        config: READ,
        schema: {
          tags,
          summary: 'Results of an experiment',
          description:
            'Per variant: exposed subjects, conversions (exposed subjects with an order after their first exposure), conversion rate, average order value and revenue per exposure (minor units of `currency`), and the two-sided p-value of a pooled two-proportion z-test of conversion against the control (the first variant).',
          params: IdParam,
          querystring: ResultsQuery,
          response: { 200: Type.Ref(ExperimentResults) },
        },
      },
      async (request) => experiments.results(serviceContext(request, deps), request.params.id, request.query.currency),
    );
  };
}
