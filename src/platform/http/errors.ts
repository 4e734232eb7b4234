import { Type, type Static } from '@sinclair/typebox';

/** One entry of the error catalog: a stable machine code with its HTTP status and title. */
export interface ErrorSpec {
  code: string;
  status: number;
  title: string;
  /** Where the problem is logged: expected client errors stay at `info`. */
  logLevel?: 'info' | 'warn' | 'error';
}

/** A field-level error inside a problem: a JSON Pointer into the body, or a named parameter. */
export interface FieldError {
  detail: string;
  pointer?: string;
  parameter?: string;
}

const catalog = new Map<string, ErrorSpec>();

/**
 * Registers a module's error codes in the one catalog and returns them by name.
 * @example
 *   export const CatalogErrors = defineErrors({
 *     handleTaken: { code: 'handle_taken', status: 409, title: 'Handle already in use' },
 *   });
 *   throw new AppError(CatalogErrors.handleTaken, `Handle "${h}" is taken`);
 */
export function defineErrors<T extends Record<string, ErrorSpec>>(specs: T): T {
  for (const spec of Object.values(specs)) {
    const existing = catalog.get(spec.code);
    if (existing && (existing.status !== spec.status || existing.title !== spec.title)) throw new Error(`error code ${spec.code} defined twice`);
    catalog.set(spec.code, spec);
  }
  return specs;
}

/** Every registered error code, for the docs and the `/problems` pages. */
export function errorCatalog(): ErrorSpec[] {
  return [...catalog.values()].sort((a, b) => a.code.localeCompare(b.code));
}

export function findError(code: string): ErrorSpec | undefined {
  return catalog.get(code);
}

/** The one error type services throw. The HTTP layer turns it into an RFC 9457 problem. */
export class AppError extends Error {
  readonly headers: Record<string, string>;
  constructor(
    readonly spec: ErrorSpec,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.headers = headers;
  }
  get status(): number {
    return this.spec.status;
  }
  get code(): string {
    return this.spec.code;
  }
}

/** Platform errors, shared by every route. */
export const Errors = defineErrors({
  malformedRequest: { code: 'malformed_request', status: 400, title: 'Malformed request' },
  validationFailed: { code: 'validation_failed', status: 422, title: 'Request validation failed' },
  authenticationRequired: { code: 'authentication_required', status: 401, title: 'Authentication required' },
  invalidApiKey: { code: 'invalid_api_key', status: 401, title: 'Invalid API key' },
  insufficientScope: { code: 'insufficient_scope', status: 403, title: 'Insufficient scope' },
  routeNotFound: { code: 'route_not_found', status: 404, title: 'Route not found' },
  resourceNotFound: { code: 'resource_not_found', status: 404, title: 'Resource not found' },
  unsupportedVersion: { code: 'unsupported_version', status: 400, title: 'Unsupported API version' },
  idempotencyKeyInvalid: { code: 'idempotency_key_invalid', status: 400, title: 'Invalid Idempotency-Key' },
  idempotencyKeyRequired: { code: 'idempotency_key_required', status: 400, title: 'Idempotency-Key required' },
  idempotencyKeyInUse: { code: 'idempotency_key_in_use', status: 409, title: 'Idempotency-Key in use' },
  idempotencyKeyReused: { code: 'idempotency_key_reused', status: 422, title: 'Idempotency-Key reused with a different request' },
  payloadTooLarge: { code: 'payload_too_large', status: 413, title: 'Payload too large' },
  unsupportedMediaType: { code: 'unsupported_media_type', status: 415, title: 'Unsupported media type' },
  rateLimited: { code: 'rate_limited', status: 429, title: 'Too many requests' },
  internal: { code: 'internal_error', status: 500, title: 'Internal server error', logLevel: 'error' },
  unavailable: { code: 'service_unavailable', status: 503, title: 'Service unavailable', logLevel: 'warn' },
});

/** The RFC 9457 problem document every error response carries. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'URI reference naming the problem type; resolves to its documentation.' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable machine-readable code from the error catalog.' }),
    request_id: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          detail: Type.String(),
          pointer: Type.Optional(Type.String({ description: 'JSON Pointer into the request body' })),
          parameter: Type.Optional(Type.String({ description: 'Name of the query, path or header parameter' })),
        }),
      ),
    ),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);
export type ProblemBody = Static<typeof Problem>;

export function problemType(code: string): string {
  return `/problems#${code}`;
}

/** Builds the problem body for an AppError. */
export function toProblem(err: AppError, requestId: string, instance?: string): ProblemBody {
  const body: ProblemBody = {
    type: problemType(err.code),
    title: err.spec.title,
    status: err.status,
    detail: err.detail,
    code: err.code,
    request_id: requestId,
  };
  if (instance) body.instance = instance;
  if (err.errors.length) body.errors = err.errors;
  return body;
}
