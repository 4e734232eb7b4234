import { Type } from '@sinclair/typebox';
import { AppError, Errors } from './errors.js';

/**
 * Dated API versions, oldest first. The newest is the current version: what a request gets when
 * neither its `Tessera-Version` header nor its credential names one. Each newer version's breaking
 * changes live in `version-changes/`, which turn a current response back into an older shape.
 */
export const API_VERSIONS = ['2026-11-01', '2026-11-28'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
export const LATEST_VERSION: string = API_VERSIONS[API_VERSIONS.length - 1]!;

/** Where the versioning and deprecation policy is documented (the `Link` of deprecation headers). */
export const VERSIONS_DOC = '/versions';

/** A version this API serves at `now`: listed, and not past its sunset. */
export function isSupportedVersion(value: string | null | undefined, now: Date = new Date()): value is ApiVersion {
  if (typeof value !== 'string' || !(API_VERSIONS as readonly string[]).includes(value)) return false;
  const sunset = DEPRECATED_VERSIONS[value]?.sunset;
  return !sunset || now < sunset;
}

/** When a version or route became (or becomes) deprecated, and when it stops working. */
export interface Deprecation {
  deprecation: Date;
  sunset: Date;
  /** The page describing the deprecation and what to migrate to. */
  link: string;
}

/**
 * Deprecated versions. A deprecated version keeps working until its sunset; every response served
 * at it carries `Deprecation`, `Sunset` and `Link` headers. Policy: a version is deprecated when the
 * next one ships and sunsets no earlier than six months later.
 */
export const DEPRECATED_VERSIONS: Readonly<Record<string, Deprecation>> = {
  '2026-11-01': { deprecation: new Date('2026-11-28T00:00:00Z'), sunset: new Date('2027-05-28T00:00:00Z'), link: VERSIONS_DOC },
};

/**
 * Deprecated routes, by `METHOD route-template` (for example `GET /v1/things/:id`). Routes are
 * deprecated with at least six months' notice, like versions; none is deprecated today.
 */
export const DEPRECATED_ROUTES: Readonly<Record<string, Deprecation>> = {};

/**
 * The `Deprecation` (RFC 9745 sf-date), `Sunset` (RFC 8594 HTTP-date) and `Link` headers for a
 * version and route; empty when neither is deprecated. A deprecated route wins over a deprecated
 * version (its sunset is what the caller must act on first).
 */
export function deprecationHeaders(
  version: string,
  routeKey: string | null,
  routes: Readonly<Record<string, Deprecation>> = DEPRECATED_ROUTES,
): Record<string, string> {
  const entry = (routeKey ? routes[routeKey] : undefined) ?? DEPRECATED_VERSIONS[version];
  if (!entry) return {};
  return {
    deprecation: `@${Math.floor(entry.deprecation.getTime() / 1000)}`,
    sunset: entry.sunset.toUTCString(),
    link: `<${entry.link}>; rel="deprecation"; type="application/json", <${entry.link}>; rel="sunset"; type="application/json"`,
  };
}

/** Validates a `Tessera-Version` request header: undefined when absent, a 400 problem when unknown. */
export function requestedVersion(header: string | string[] | undefined, now: Date = new Date()): ApiVersion | undefined {
  if (header === undefined || header === '') return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (isSupportedVersion(value, now)) return value;
  const sunset = value ? DEPRECATED_VERSIONS[value]?.sunset : undefined;
  throw new AppError(
    Errors.unsupportedVersion,
    `Tessera-Version "${String(value)}" is not a supported version${sunset ? ` (sunset ${sunset.toISOString()})` : ''}. Supported: ${API_VERSIONS.filter((v) => isSupportedVersion(v, now)).join(', ')}.`,
    [{ detail: 'Use a supported YYYY-MM-DD version.', parameter: 'Tessera-Version' }],
  );
}

/**
 * The version that serves a request: the `Tessera-Version` header, then the version pinned on the
 * credential, then the current version. A pinned version past its sunset falls back to the current one.
 */
export function resolveVersion(header: string | string[] | undefined, pinned?: string | null, now: Date = new Date()): string {
  return requestedVersion(header, now) ?? (isSupportedVersion(pinned, now) ? pinned : LATEST_VERSION);
}

export const VERSIONING_POLICY =
  'A request is served at its `Tessera-Version: YYYY-MM-DD` header, else at the version pinned on its API key (`api_version`, set at creation, ' +
  'changed with `PATCH /v1/api_keys/{id}`), else at the current version; the `Tessera-Version` response header says which. Breaking changes ship ' +
  'as a new dated version; older versions keep their shapes. A version (or route) is deprecated when its successor ships: every response ' +
  'served at it carries `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and `Link` headers, and it keeps working until the sunset, no earlier ' +
  'than six months later. Test-mode calls may send `Tessera-Simulate: 503 | 500 | 429 | timeout` to get that failure without running the call.';

/** The `/versions` page: every supported version, newest first, with its changes and sunset. */
export const VersionCatalog = Type.Object({
  object: Type.Literal('list'),
  current: Type.String({ description: 'The current version: what requests without a header or pinned version get.' }),
  policy: Type.String(),
  data: Type.Array(
    Type.Object({
      version: Type.String(),
      current: Type.Boolean(),
      deprecated_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      sunset_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'The version is served until this instant; plan the upgrade before it.' }),
      changes: Type.Array(Type.String(), { description: 'The breaking changes this version introduced.' }),
    }),
  ),
});

/** The versions and their status, for the `/versions` page. */
export function versionCatalog(changes: ReadonlyMap<string, readonly string[]>) {
  return {
    object: 'list' as const,
    current: LATEST_VERSION,
    policy: VERSIONING_POLICY,
    data: [...API_VERSIONS].reverse().map((version) => {
      const d = DEPRECATED_VERSIONS[version];
      return {
        version,
        current: version === LATEST_VERSION,
        deprecated_at: d ? d.deprecation.toISOString() : null,
        sunset_at: d ? d.sunset.toISOString() : null,
        changes: changes.get(version) ?? [],
      };
    }),
  };
}
