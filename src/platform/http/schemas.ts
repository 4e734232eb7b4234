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
  // An enum must list null too, or null fails it whatever `type` allows.
  const values = (rest as { enum?: unknown[] }).enum;
  return Type.Unsafe<Static<T> | null>({ ...rest, ...options, ...(values ? { enum: [...values, null] } : {}), type: [type, 'null'] });
}

/**
 * A closed set of strings as `{ type: "string", enum: [...] }`, for the same reason as Nullable.
 * @example status: StringEnum(['draft', 'published', 'archived'])
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** An ISO 4217 currency code, upper case. */
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, upper case.' });
/** An amount of money in minor units (cents) of its currency. */
export const Amount = Type.Integer({ minimum: 0, maximum: 99_999_999_999, description: 'Minor units (cents).' });
/** An ISO 8601 UTC time. */
export const Timestamp = Type.String({ format: 'date-time' });
/** Free-form string key/value pairs kept for the caller. */
export const Metadata = Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), { maxProperties: 50 });
/** `{ id }` path parameters. */
export const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
/** The answer to a DELETE: `{ id, object, deleted: true }`. */
export function DeletedOf<const O extends string>(object: O) {
  return Type.Object({ id: Type.String(), object: Type.Literal(object), deleted: Type.Literal(true) });
}
