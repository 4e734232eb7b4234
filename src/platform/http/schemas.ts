import { Type, type SchemaOptions, type Static, type TSchema } from '@sinclair/typebox';

/**
 * `T | null` as `{ type: [T, "null"] }` rather than `anyOf`. Both validate the same, but
 * fast-json-stringify serializes a type list directly, while `anyOf` makes it compile and run an
 * ajv validator per field. OpenAPI 3.1 reads either.
 * @example weight_grams: Nullable(Type.Integer({ minimum: 0 }))
 */
export function Nullable<T extends TSchema>(schema: T, options: SchemaOptions = {}) {
  const { type, ...rest } = schema as T & { type?: unknown };
  if (typeof type !== 'string') throw new Error('Nullable() takes a schema with a single type');
  return Type.Unsafe<Static<T> | null>({ ...rest, ...options, type: [type, 'null'] });
}

/**
 * A closed set of strings as `{ type: "string", enum: [...] }`, for the same reason as Nullable.
 * @example status: StringEnum(['draft', 'published', 'archived'])
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}
