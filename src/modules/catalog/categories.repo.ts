import type { Queryable } from '../../platform/db/database.js';
import { setClause } from '../../platform/db/sql.js';

export interface CategoryRow {
  id: string;
  parent_id: string | null;
  name: string;
  handle: string;
  path: string[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, parent_id, name, handle, path, created_at, updated_at';

export async function allCategories(db: Queryable): Promise<CategoryRow[]> {
  const { rows } = await db.query<CategoryRow>(`SELECT ${COLUMNS} FROM categories ORDER BY id`);
  return rows;
}

/** Reads categories; `lock` takes row locks (share: they must stay; update: they are about to change). */
export async function findCategories(db: Queryable, ids: readonly string[], lock?: 'share' | 'update'): Promise<CategoryRow[]> {
  const suffix = lock === 'share' ? ' FOR SHARE' : lock === 'update' ? ' FOR UPDATE' : '';
  const { rows } = await db.query<CategoryRow>(`SELECT ${COLUMNS} FROM categories WHERE id = ANY($1::text[]) ORDER BY id${suffix}`, [ids]);
  return rows;
}

export async function pageCategories(db: Queryable, after: string | undefined, limit: number, parentId: string | null | undefined): Promise<CategoryRow[]> {
  const { rows } = await db.query<CategoryRow>(
    `SELECT ${COLUMNS} FROM categories
     WHERE ($1::text IS NULL OR id > $1) AND (NOT $3::bool OR parent_id IS NOT DISTINCT FROM $4)
     ORDER BY id LIMIT $2`,
    [after ?? null, limit, parentId !== undefined, parentId ?? null],
  );
  return rows;
}

export async function insertCategory(tx: Queryable, c: Omit<CategoryRow, 'created_at' | 'updated_at'>, now: Date): Promise<CategoryRow> {
  const { rows } = await tx.query<CategoryRow>(
    `INSERT INTO categories (id, parent_id, name, handle, path, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ${COLUMNS}`,
    [c.id, c.parent_id, c.name, c.handle, c.path, now],
  );
  return rows[0]!;
}

export async function updateCategory(tx: Queryable, id: string, fields: { name?: string; handle?: string; parent_id?: string | null }, now: Date): Promise<void> {
  const set = setClause(fields, 3);
  await tx.query(`UPDATE categories SET ${[set.sql, 'updated_at = $2'].filter(Boolean).join(', ')} WHERE id = $1`, [id, now, ...set.values]);
}

/** Category `id` and all its descendants, locked: they are about to move. */
export async function subtree(tx: Queryable, id: string): Promise<CategoryRow[]> {
  const { rows } = await tx.query<CategoryRow>(`SELECT ${COLUMNS} FROM categories WHERE $1 = ANY(path) ORDER BY id FOR UPDATE`, [id]);
  return rows;
}

/** Re-roots the subtree under `id` at `newPath` (the moved category's new path, itself included). Returns the rows as moved. */
export async function movePaths(tx: Queryable, id: string, newPath: string[]): Promise<CategoryRow[]> {
  const { rows } = await tx.query<CategoryRow>(`UPDATE categories SET path = $2::text[] || path[array_position(path, $1) + 1:] WHERE $1 = ANY(path) RETURNING ${COLUMNS}`, [id, newPath]);
  return rows;
}

/** Recomputes `category_paths` of the products under category `id`. Returns their ids. */
export async function refreshProductPaths(tx: Queryable, id: string): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `UPDATE products p SET category_paths = coalesce((
        SELECT array_agg(DISTINCT x ORDER BY x) FROM categories c, unnest(c.path) AS x WHERE c.id = ANY(p.category_ids)), '{}')
     WHERE $1 = ANY(p.category_paths) RETURNING p.id`,
    [id],
  );
  return rows.map((r) => r.id);
}

export async function countProductsUnder(tx: Queryable, id: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM products WHERE $1 = ANY(category_paths)', [id]);
  return rows[0]?.n ?? 0;
}

export async function countChildren(tx: Queryable, id: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM categories WHERE parent_id = $1', [id]);
  return rows[0]?.n ?? 0;
}

export async function deleteCategory(tx: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM categories WHERE id = $1', [id]);
  return rowCount === 1;
}
