/** A JSON object of a response body, as parsed. */
export type JsonObject = Record<string, unknown>;

/**
 * One breaking change, introduced in `version`. Its transform rewrites a response from the shape of
 * `version` back to the shape of the version before it: in place, on every object of the listed
 * `objects` types (`object` field) found anywhere in the body (lists and nested objects included),
 * or on the whole body of the listed `routes` (`METHOD route-template`).
 */
export interface VersionChange {
  version: string;
  /** One sentence for the changelog (`/versions`) and the docs. */
  description: string;
  objects?: readonly string[];
  routes?: readonly string[];
  /** Rewrites one object (or a route's whole body) to the older shape, in place. */
  transform(value: JsonObject): void;
}

/** Renames `from` to `to` keeping the key's position, so the older shape reads as it used to. */
export function renameKey(obj: JsonObject, from: string, to: string): void {
  if (!(from in obj)) return;
  const entries = Object.entries(obj).map(([k, v]): [string, unknown] => [k === from ? to : k, v]);
  for (const k of Object.keys(obj)) delete obj[k];
  Object.assign(obj, Object.fromEntries(entries));
}
