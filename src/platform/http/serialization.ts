import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';

type Serializer = ReturnType<ReturnType<SerializerFactory>>;

/**
 * Fastify's response-serializer factory (fast-json-stringify), with one compiled serializer per
 * distinct schema instead of one per route and status: every route shares the problem schemas
 * and several share the product schema, and compiling each again costs start-up time.
 * Plug in through `schemaController.compilersFactory.buildSerializer`.
 */
export const buildSharedSerializer: SerializerFactory = (externalSchemas, options) => {
  const compile = SerializerSelector()(externalSchemas, options);
  const compiled = new Map<string, Serializer>();
  return (route) => {
    const key = JSON.stringify(route.schema);
    let serializer = compiled.get(key);
    if (!serializer) {
      serializer = compile(route);
      compiled.set(key, serializer);
    }
    return serializer;
  };
};
