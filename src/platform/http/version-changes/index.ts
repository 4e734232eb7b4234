import { API_VERSIONS, LATEST_VERSION } from '../versioning.js';
import { shippingDiscountTotal } from './2026-11-28.totals.js';
import type { JsonObject, VersionChange } from './types.js';

export type { VersionChange } from './types.js';

/** Every breaking change, any order; each names the version that introduced it. */
export const VERSION_CHANGES: readonly VersionChange[] = [shippingDiscountTotal];

for (const change of VERSION_CHANGES) {
  if (!(API_VERSIONS as readonly string[]).includes(change.version) || change.version === API_VERSIONS[0]) {
    throw new Error(`version change "${change.description}" names ${change.version}, which is not a version after the first`);
  }
}

/** The change descriptions of each version, for the `/versions` page. */
export function changelog(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of VERSION_CHANGES) out.set(c.version, [...(out.get(c.version) ?? []), c.description]);
  return out;
}

/** The changes to undo to serve `version`, newest first: one version at a time, from the current one down. */
function changesDownTo(version: string): VersionChange[] {
  const target = API_VERSIONS.indexOf(version as (typeof API_VERSIONS)[number]);
  if (target < 0 || version === LATEST_VERSION) return [];
  const out: VersionChange[] = [];
  for (let i = API_VERSIONS.length - 1; i > target; i--) out.push(...VERSION_CHANGES.filter((c) => c.version === API_VERSIONS[i]));
  return out;
}
const plans = new Map<string, VersionChange[]>(API_VERSIONS.map((v) => [v, changesDownTo(v)]));

function walk(value: unknown, visit: (obj: JsonObject) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
  } else if (value && typeof value === 'object') {
    const obj = value as JsonObject;
    for (const child of Object.values(obj)) walk(child, visit);
    visit(obj); // children first: an object's transform sees its embedded objects in its own version's shape
  }
}

/** Cheap pre-check on the serialized body: does it hold anything a change rewrites? */
function mayApply(change: VersionChange, routeKey: string, body: string): boolean {
  if (change.routes?.includes(routeKey)) return true;
  return (change.objects ?? []).some((type) => body.includes(`"object":"${type}"`));
}

/**
 * Rewrites a JSON response body from the current version's shape to `version`'s, undoing each
 * newer version's changes in turn. Returns the body unchanged (the same string) when nothing applies.
 */
export function downgradeBody(body: string, version: string, routeKey: string): string {
  const plan = (plans.get(version) ?? []).filter((c) => mayApply(c, routeKey, body));
  if (!plan.length) return body;
  const parsed: unknown = JSON.parse(body);
  for (const change of plan) {
    if (change.routes?.includes(routeKey) && parsed && typeof parsed === 'object' && !Array.isArray(parsed)) change.transform(parsed as JsonObject);
    const types = change.objects;
    if (types?.length) walk(parsed, (obj) => (typeof obj.object === 'string' && types.includes(obj.object) ? change.transform(obj) : undefined));
  }
  return JSON.stringify(parsed);
}
