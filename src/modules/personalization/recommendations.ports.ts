import type { ServiceContext } from '../../platform/http/context.js';

/** A product as recommendations need it: whether a storefront may show it, its SKUs and categories. */
export interface RecommendableProduct {
  id: string;
  /** Published, and its seller (if any) not suspended. */
  onStorefront: boolean;
  /** Its variants' SKUs, in the catalog's order. */
  skus: string[];
  category_ids: string[];
}

/** What recommendations need of the catalog: products by id, from its cached reads (absent ids are simply missing). */
export interface RecommendationsCatalogPort {
  products(ctx: ServiceContext, ids: readonly string[]): Promise<Map<string, RecommendableProduct>>;
}

/** What recommendations need of inventory: which of these SKUs can be sold now (available > 0, or untracked). */
export interface RecommendationsStockPort {
  inStock(ctx: ServiceContext, skus: readonly string[]): Promise<Set<string>>;
}

/** What recommendations need of carts: the products on a cart (throws the carts module's 404/410 for an unknown or expired cart). */
export interface RecommendationsCartsPort {
  productIds(ctx: ServiceContext, cartId: string): Promise<string[]>;
}

/** How an answer is ranked: by slot (`auto`), or one strategy forced (an experiment's variant). */
export type StrategyChoice = 'auto' | 'cooccurrence' | 'affinity' | 'popularity';

/** An experiment's assignment for one request: its label and the strategy its variant maps to. */
export interface ExperimentAssignment {
  experiment: { key: string; variant: string };
  strategy: StrategyChoice;
}

/**
 * Optional: the experiments module picks a strategy for a request and logs the exposure once the
 * recommendations are served. Without it every request is `auto` and `experiment` is null.
 */
export interface RecommendationsExperimentsPort {
  assign(ctx: ServiceContext, request: { slot: string; customer_id?: string; anonymous_id?: string }): Promise<ExperimentAssignment | null>;
  served(ctx: ServiceContext, assignment: ExperimentAssignment, served: { slot: string; customer_id?: string; anonymous_id?: string; product_ids: string[]; strategy: string; model_version: number | null }): Promise<void>;
}

export interface RecommendationsPorts {
  catalog: RecommendationsCatalogPort;
  stock: RecommendationsStockPort;
  carts: RecommendationsCartsPort;
  experiments?: RecommendationsExperimentsPort;
}
