import { describe, expect, it } from 'vitest';
import { setClause, withDatabase } from './sql.js';

describe('SQL helpers', () => {
  it('builds the SET list of the defined fields, numbered from the given parameter', () => {
    expect(setClause({ title: 'x', brand: undefined, status: 'draft' }, 3)).toEqual({ sql: 'title = $3, status = $4', values: ['x', 'draft'] });
    expect(setClause({}, 2)).toEqual({ sql: '', values: [] });
  });
  it('refuses anything that is not a column name', () => {
    expect(() => setClause({ 'title = 1; --': 'x' }, 1)).toThrow(/not a column name/);
  });
  it('points a server URL at another database', () => {
    expect(withDatabase('postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable', 'tessera')).toBe('postgres://u:p@127.0.0.1:5432/tessera?sslmode=disable');
  });
});
