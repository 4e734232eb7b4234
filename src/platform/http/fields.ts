/**
 * `?fields=id,title,variants.sku` selection, applied to one object. Dotted paths reach into nested
 * objects and into every element of nested arrays. Unknown paths are ignored, as in Stripe's expand.
 */
export function selectFields(value: unknown, fields: readonly string[]): unknown {
  const tree = new Map<string, string[]>();
  for (const f of fields) {
    const [head, ...rest] = f.split('.');
    if (!head) continue;
    const sub = tree.get(head) ?? [];
    if (rest.length) sub.push(rest.join('.'));
    else sub.push('');
    tree.set(head, sub);
  }
  return pick(value, tree);
}

function pick(value: unknown, tree: Map<string, string[]>): unknown {
  if (Array.isArray(value)) return value.map((v) => pick(v, tree));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, subs] of tree) {
    if (!(key in value)) continue;
    const child = (value as Record<string, unknown>)[key];
    out[key] = subs.includes('') ? child : selectFields(child, subs);
  }
  return out;
}

/** Parses the `fields` parameter; null when absent or empty. */
export function parseFields(raw: unknown): string[] | null {
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  return raw.split(',').map((f) => f.trim()).filter(Boolean);
}

/** Applies a selection to a JSON response body: to each item of a list's `data`, or to the object. */
export function selectInBody(body: unknown, fields: readonly string[]): unknown {
  if (typeof body === 'object' && body !== null && (body as { object?: unknown }).object === 'list') {
    const list = body as { data: unknown[] };
    return { ...list, data: list.data.map((item) => selectFields(item, fields)) };
  }
  return selectFields(body, fields);
}
