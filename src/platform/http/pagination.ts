import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Nullable } from './schemas.js';

/** Query parameters shared by every list route. */
export const ListQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1–100.' }),
  starting_after: Type.Optional(Type.String({ description: 'Cursor: the `next_cursor` of the previous page.', maxLength: 64 })),
};

/** The list envelope `{ object: "list", data, has_more, next_cursor }`. */
export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({
    object: Type.Literal('list'),
    data: Type.Array(item),
    has_more: Type.Boolean(),
    next_cursor: Nullable(Type.String()),
  });
}

export type List<T> = { object: 'list'; data: T[]; has_more: boolean; next_cursor: string | null };

/**
 * Builds a page from rows fetched with `LIMIT limit + 1`: the extra row only says there is more.
 * @example toList(await repo.page(after, limit + 1), limit, (p) => p.id)
 */
export function toList<T>(rows: T[], limit: number, cursorOf: (row: T) => string): List<T> {
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1];
  return { object: 'list', data, has_more: hasMore, next_cursor: hasMore && last !== undefined ? cursorOf(last) : null };
}

export type ListParams = Static<ReturnType<typeof Type.Object<typeof ListQuery>>>;
