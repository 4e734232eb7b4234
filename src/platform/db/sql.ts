/**
 * The `SET` list of a partial update: one `column = $n` per defined field, numbered after the
 * `firstParam - 1` parameters the caller already uses. Column names come from validated request
 * bodies; anything that is not a plain identifier is refused rather than spliced into SQL.
 * @example
 *   const set = setClause({ title: 'x', brand: undefined }, 3); // { sql: 'title = $3', values: ['x'] }
 *   await tx.query(`UPDATE products SET ${set.sql}, updated_at = $2 WHERE id = $1`, [id, now, ...set.values]);
 */
export function setClause(fields: Record<string, unknown>, firstParam: number): { sql: string; values: unknown[] } {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  for (const [column] of entries) if (!/^[a-z_][a-z0-9_]*$/.test(column)) throw new Error(`not a column name: ${column}`);
  return {
    sql: entries.map(([column], i) => `${column} = $${firstParam + i}`).join(', '),
    values: entries.map(([, v]) => v),
  };
}

/** The same server URL, pointing at database `name`. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

const generatedNames = new Map<string, string>();

/**
 * A prepared-statement name for SQL built at run time from a small, fixed set of shapes (the
 * `SET` lists of `setClause`, say): the same text always gets the same name, `prefix_N`.
 * Only for statements whose shapes are bounded: each one is prepared on every connection.
 */
export function statementName(prefix: string, sql: string): string {
  let name = generatedNames.get(sql);
  if (!name) {
    name = `${prefix}_${generatedNames.size + 1}`;
    generatedNames.set(sql, name);
  }
  return name;
}
