import type { Queryable } from '../../platform/db/database.js';

/** What the catalog needs of the marketplace (filled in composition.ts). */
export interface CatalogSellersPort {
  /**
   * Whether `sellerId` is suspended, read in the product write's transaction `tx` under a share
   * lock on the seller, so a suspension cannot commit between this read and the product's insert.
   * An unknown seller is not suspended.
   */
  isSuspended(tx: Queryable, sellerId: string): Promise<boolean>;
}

export interface CatalogPorts {
  sellers: CatalogSellersPort;
}
