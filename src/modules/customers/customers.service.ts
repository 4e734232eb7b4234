import type { ServiceContext } from '../../platform/http/context.js';

/** A customer as Tessera knows one: an id the store chose, and the segments the operator set. */
export interface Customer {
  id: string;
  object: 'customer';
  segments: string[];
}

/** Customer segments (the store's own customer ids; Tessera keeps no customer accounts). */
export class CustomersService {
  async get(ctx: ServiceContext, id: string): Promise<Customer> {
    return { id, object: 'customer', segments: await this.segments(ctx, id) };
  }

  async segments(ctx: Pick<ServiceContext, 'db'>, customerId: string): Promise<string[]> {
    const { rows } = await ctx.db.query<{ segment: string }>('SELECT segment FROM customer_segments WHERE customer_id = $1 ORDER BY segment', [customerId], 'customers_segments');
    return rows.map((r) => r.segment);
  }

  /** Replaces the customer's segments. */
  async setSegments(ctx: ServiceContext, id: string, segments: readonly string[]): Promise<Customer> {
    await ctx.db.transaction(async (tx) => {
      await tx.query('DELETE FROM customer_segments WHERE customer_id = $1', [id]);
      await tx.query('INSERT INTO customer_segments (customer_id, segment, created_at) SELECT $1, unnest($2::text[]), $3', [id, [...new Set(segments)], ctx.now()]);
    });
    return this.get(ctx, id);
  }
}
