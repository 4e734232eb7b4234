import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';

/**
 * Independent response validation: every response the end-to-end suite sees through the test
 * helpers is checked against the OpenAPI document the app publishes (route = method + path
 * template, then the status, then the media type and its schema). Fastify's serializer is not
 * involved: the body is parsed from the wire and validated by Ajv (JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1) against the document's `components/schemas`.
 *
 * Policy:
 * - A route missing from the document fails, unless it is one of the few deliberately hidden
 *   ones (HIDDEN_ROUTES); an unmatched URL must answer a problem.
 * - A status the route does not declare fails, except 5xx (any route can fail or be unavailable;
 *   those must still be problems) and 304 on a GET whose 200 is declared (ETag revalidation).
 * - `application/problem+json` bodies must match the shared Problem schema.
 * - A media type the status does not declare fails; declared non-JSON ones (CSV) are checked by
 *   media type only.
 * - `?fields=` selections return a subset of the declared object by design, and responses served
 *   in an older `Tessera-Version` than the document's are shaped for that version: both are
 *   checked for media type and well-formed JSON only.
 */

/** Routes the app serves on purpose without describing them in its own document. */
const HIDDEN_ROUTES: RegExp[] = [/^\/openapi\.json$/, /^\/problems$/, /^\/docs(\/.*)?$/];

const DOC_ID = 'tessera-openapi';
const PROBLEM_TYPE = 'application/problem+json';
const BODY_PREVIEW = 600;

interface MediaTypeObject {
  schema?: unknown;
}
interface ResponseObject {
  content?: Record<string, MediaTypeObject>;
}
interface OperationObject {
  responses?: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  info?: { version?: string };
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, unknown> };
}

/** What the validator needs of a response: the wire view, as `inject` or `fetch` gives it. */
export interface ObservedResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

interface RouteEntry {
  method: string;
  template: string;
  pattern: RegExp;
  /** Per segment: 0 literal, 1 parameter; a literal segment wins, as in Fastify's router. */
  rank: number[];
  operation: OperationObject;
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/** Rewrites the document's local `#/…` references to point into the registered document. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${DOC_ID}${v}` : rebase(v);
  return out;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function header(res: ObservedResponse, name: string): string {
  const v = res.headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : v === undefined ? '' : String(v);
}

export class ContractValidator {
  private readonly ajv: Ajv2020;
  private readonly routes: RouteEntry[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApiDocument) {
    // strict: false because OpenAPI adds keywords of its own (e.g. `example`) that JSON Schema has not.
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    ajvFormats.default(this.ajv); // CommonJS default export, as in src/platform/http/validation.ts
    this.ajv.addSchema({ $id: DOC_ID, components: doc.components ?? {} });
    for (const [template, ops] of Object.entries(doc.paths)) {
      const segments = template.split('/').filter(Boolean);
      const pattern = new RegExp(`^/${segments.map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : escapeRegex(s))).join('/')}$`);
      const rank = segments.map((s) => (/^\{.+\}$/.test(s) ? 1 : 0));
      for (const [method, operation] of Object.entries(ops)) {
        if (['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].includes(method)) this.routes.push({ method: method.toUpperCase(), template, pattern, rank, operation });
      }
    }
  }

  private route(method: string, path: string): RouteEntry | undefined {
    const wanted = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
    const matches = this.routes.filter((r) => wanted.includes(r.method) && r.pattern.test(path));
    matches.sort((a, b) => compareRank(a.rank, b.rank) || wanted.indexOf(a.method) - wanted.indexOf(b.method));
    return matches[0];
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = this.ajv.compile(rebase(schema ?? {}) as object);
      this.compiled.set(key, fn);
    }
    return fn;
  }

  private problemSchema(): unknown {
    return { $ref: '#/components/schemas/Problem' };
  }

  /** Returns why the response breaks the contract, or null when it keeps it. */
  check(method: string, url: string, res: ObservedResponse): string | null {
    const upper = method.toUpperCase();
    const [rawPath = '/', query = ''] = url.split('?');
    const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
    const mediaType = header(res, 'content-type').split(';')[0]!.trim().toLowerCase();
    const status = res.statusCode;
    const route = this.route(upper, path);
    const where = `${upper} ${route?.template ?? path} → ${status}`;
    const fail = (why: string) => `contract: ${where} (${mediaType || 'no content-type'}): ${why}\n  body: ${res.body.length > BODY_PREVIEW ? `${res.body.slice(0, BODY_PREVIEW)}…` : res.body || '(empty)'}`;
    const hasBody = res.body.length > 0 && upper !== 'HEAD';

    if (!route) {
      if (HIDDEN_ROUTES.some((r) => r.test(path))) return null;
      if (status < 400) return fail('the route is not in the OpenAPI document');
      return this.checkJson(`problem`, this.problemSchema(), mediaType === PROBLEM_TYPE ? res.body : null, fail, 'problem');
    }

    const responses = route.operation.responses ?? {};
    const declared = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (!declared) {
      if (status >= 500 || mediaType === PROBLEM_TYPE) {
        if (status < 500) return fail(`status ${status} is not declared for this route (declared: ${Object.keys(responses).join(', ')})`);
        return this.checkJson('problem', this.problemSchema(), mediaType === PROBLEM_TYPE ? res.body : null, fail, 'problem');
      }
      if (status === 304 && (upper === 'GET' || upper === 'HEAD') && responses['200']) return hasBody ? fail('a 304 carries no body') : null;
      return fail(`status ${status} is not declared for this route (declared: ${Object.keys(responses).join(', ')})`);
    }

    const content = declared.content ?? {};
    if (!hasBody) {
      // No body: fine for HEAD, 204, or a response that declares none.
      if (upper === 'HEAD' || status === 204 || Object.keys(content).length === 0) return null;
      return fail(`the response has no body but declares ${Object.keys(content).join(', ')}`);
    }
    if (Object.keys(content).length === 0) return fail('the response has a body but declares none');
    const media = content[mediaType];
    if (!media) return fail(`media type ${mediaType || '(none)'} is not declared (declared: ${Object.keys(content).join(', ')})`);
    const isJson = mediaType === 'application/json' || mediaType.endsWith('+json');
    if (!isJson) return null; // declared non-JSON media (CSV): checked by media type only
    const served = header(res, 'tessera-version');
    if ((status === 200 && /(^|&)fields=/.test(query)) || (served && served !== this.doc.info?.version)) {
      // A deliberate subset of the declared object, or an older version's shape; still JSON.
      return this.parse(res.body) === undefined ? fail('the body is not JSON') : null;
    }
    return this.checkJson(`${route.method} ${route.template} ${status} ${mediaType}`, media.schema, res.body, fail, 'declared');
  }

  private parse(body: string): unknown {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }

  private checkJson(key: string, schema: unknown, body: string | null, fail: (why: string) => string, what: string): string | null {
    if (body === null) return fail(`expected an ${PROBLEM_TYPE} ${what} body`);
    const value = this.parse(body);
    if (value === undefined) return fail('the body is not JSON');
    const validate = this.validator(key, schema);
    if (validate(value)) return null;
    const errors = (validate.errors ?? [])
      .slice(0, 8)
      .map((e) => `    ${e.instancePath || '/'} ${e.message ?? ''}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`)
      .join('\n');
    return fail(`the body does not match the ${what} schema:\n${errors}`);
  }
}

const cache = new Map<string, ContractValidator>();

/** One validator per distinct document per test worker (documents differ only with config). */
export function contractValidator(doc: OpenApiDocument): ContractValidator {
  const key = JSON.stringify(doc);
  let v = cache.get(key);
  if (!v) {
    v = new ContractValidator(structuredClone(doc));
    cache.set(key, v);
  }
  return v;
}

/** Throws a ContractViolation when the response breaks the contract of its route and status. */
export function assertContract(validator: ContractValidator, method: string, url: string, res: ObservedResponse): void {
  const why = validator.check(method, url, res);
  if (why) throw new ContractViolation(why);
}
