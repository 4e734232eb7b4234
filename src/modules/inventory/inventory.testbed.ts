import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/app.js';
import { ulidIds } from '../../platform/crypto/ids.js';
import { Database } from '../../platform/db/database.js';
import { Metrics } from '../../platform/observability/metrics.js';
import { InventoryService } from './inventory.service.js';
import { StockLevelsService } from './levels.service.js';
import { StockLocationsService } from './locations.service.js';

/**
 * The inventory services on a database of their own, for service-level tests: registers the
 * hooks that create and drop it. The pool is wide (20) so concurrent reservations queue on
 * PostgreSQL row locks, not on the pool, and strict: a second connection inside a transaction throws.
 */
export function inventoryTestbed() {
  const stock = new StockLevelsService();
  const bed = {
    db: undefined as unknown as Database,
    ids: ulidIds(),
    locations: new StockLocationsService(),
    stock,
    inventory: new InventoryService({ metrics: new Metrics(false), defaultTtlSeconds: 900 }, stock),
  };
  let drop: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    const database = await createTestDatabase();
    bed.db = new Database(database.url, 20, true);
    drop = () => database.drop();
  });
  afterAll(async () => {
    await bed.db.close();
    await drop();
  });
  return bed;
}
