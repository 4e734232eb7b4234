import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { IdParam } from '../../platform/http/schemas.js';
import type { CustomersService } from './customers.service.js';

const tags = ['Customers'];
export const CustomerSchema = Type.Object(
  { id: Type.String(), object: Type.Literal('customer'), segments: Type.Array(Type.String()) },
  { $id: 'Customer' },
);

/** Customer segments, for promotions that target a segment. */
export function customersRoutes(deps: ModuleDeps, customers: CustomersService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/customers/:id',
      { config: { auth: { scopes: ['customers:read'] } }, schema: { tags, summary: "A customer's segments", params: IdParam, response: { 200: Type.Ref(CustomerSchema) } } },
      async (request) => customers.get(serviceContext(request, deps), request.params.id),
    );
    app.put(
      '/v1/customers/:id/segments',
      {
        config: { auth: { scopes: ['customers:write'] } },
        schema: {
          tags,
          summary: "Set a customer's segments",
          description: 'Replaces the segments of the customer with this id (the id your store uses; carts name it in `customer_id`).',
          params: IdParam,
          body: Type.Object({ segments: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }), { maxItems: 50 }) }, { additionalProperties: false }),
          response: { 200: Type.Ref(CustomerSchema) },
        },
      },
      async (request) => customers.setSegments(serviceContext(request, deps), request.params.id, request.body.segments),
    );
  };
}
