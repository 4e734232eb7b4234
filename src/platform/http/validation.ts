import { Ajv, type ErrorObject } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldError } from './errors.js';

function makeAjv(coerce: boolean) {
  const ajv = new Ajv({
    removeAdditional: false, // unknown fields are errors, never silently dropped
    useDefaults: true,
    coerceTypes: coerce ? 'array' : false,
    allErrors: false,
    strict: false,
    // decimals such as 8.875 are multiples of 0.0001 even though 8.875 / 0.0001 is not exactly an integer in floating point
    multipleOfPrecision: 8,
  });
  ajvFormats.default(ajv); // CommonJS default export, reached the same way from ESM and TypeScript
  ajv.addKeyword('x-examples');
  return ajv;
}

const bodyAjv = makeAjv(false);
const paramAjv = makeAjv(true);

/**
 * Bodies are validated strictly (no type coercion: `"5"` is not a number); query strings, params
 * and headers are coerced, since they arrive as text.
 */
const compiled = new Map<string, ReturnType<Ajv['compile']>>();

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  // Routes share many schemas (ids, list queries, product bodies): compile each one once.
  const key = `${httpPart === 'body' ? 'b' : 'p'}:${JSON.stringify(schema)}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema as object);
    compiled.set(key, validate);
  }
  return validate;
};

function pointerOf(e: ErrorObject): string {
  const base = e.instancePath;
  const p = e.params as Record<string, unknown>;
  const child = (p.additionalProperty ?? p.missingProperty) as string | undefined;
  const escape = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');
  return child !== undefined ? `${base}/${escape(child)}` : base || '';
}

function describe(e: ErrorObject, where: string): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `Unknown field "${String(p.additionalProperty)}"${where ? ` in ${where}` : ''}.`;
    case 'required':
      return `Missing required field "${String(p.missingProperty)}"${where ? ` in ${where}` : ''}.`;
    default:
      return `${where || 'Value'} ${e.message ?? 'is invalid'}.`;
  }
}

/** Turns ajv errors into problem `errors[]`: JSON Pointers for the body, parameter names elsewhere. */
export function fieldErrors(errors: readonly ErrorObject[], context: string | undefined): FieldError[] {
  return errors.map((e) => {
    const pointer = pointerOf(e);
    if (context === 'body') return { detail: describe(e, pointer), pointer };
    const parameter = pointer.replace(/^\//, '').split('/')[0] || context || 'request';
    return { detail: describe(e, `${context ?? ''} parameter "${parameter}"`).replace('Unknown field', 'Unknown parameter'), parameter };
  });
}
