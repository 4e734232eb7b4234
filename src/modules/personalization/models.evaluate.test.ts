import { describe, expect, it } from 'vitest';
import { precisionRecall, rankByPopularity, rankForSubject, type Neighbor } from './models.evaluate.js';
import { productCategories } from './models.build.js';

const n = (product_id: string, neighbor_id: string, score: number, kind: Neighbor['kind'] = 'bought_together'): Neighbor => ({ product_id, neighbor_id, kind, score });

describe('offline evaluation, pure parts', () => {
  it('ranks neighbours of the history above popularity, weighting purchases over views and bought over viewed, never what was bought', () => {
    const neighbors = new Map([
      ['a', [n('a', 'b', 0.5), n('a', 'c', 0.4)]],
      ['v', [n('v', 'c', 0.9, 'viewed_together'), n('v', 'a', 0.9, 'viewed_together')]],
    ]);
    // b: 3 × 1 × 0.5 = 1.5; c: 3 × 0.4 + 1 × 0.5 × 0.9 = 1.65; a is bought already
    expect(rankForSubject([{ product_id: 'a', type: 'purchase' }, { product_id: 'v', type: 'view' }], neighbors, ['p', 'a', 'b', 'q'], 4)).toEqual(['c', 'b', 'p', 'q']);
    expect(rankByPopularity([{ product_id: 'a', type: 'purchase' }], ['a', 'p', 'q'], 2)).toEqual(['p', 'q']);
  });

  it('averages precision@k and recall@k over shoppers', () => {
    const cases = [
      { recommended: ['x', 'y', 'z'], truth: new Set(['x']) },
      { recommended: ['x', 'y', 'z'], truth: new Set(['y', 'w']) },
    ];
    expect(precisionRecall(cases, 10)).toEqual({ precision: 0.1, recall: 0.75 });
    expect(precisionRecall([], 10)).toEqual({ precision: 0, recall: 0 });
  });

  it('flattens product categories into sorted unnest arrays', () => {
    expect(productCategories(new Map([['p2', ['c1']], ['p1', ['c2', 'c1', 'c2']]]))).toEqual({ products: ['p1', 'p1', 'p2'], categories: ['c1', 'c2', 'c1'] });
  });
});
