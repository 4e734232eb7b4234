import type { Database, EnvDb } from '../../platform/db/database.js';
import { settleReservations } from './holds.repo.js';
import { claimExpired, linesOf, trackedLines } from './reservations.repo.js';

export interface ExpiryOptions {
  /** Reservations released per transaction. */
  batchSize?: number;
  /** Upper bound of batches per run, so one run cannot hold the job lock forever. */
  maxBatches?: number;
}

/**
 * Releases the active reservations of one environment whose deadline has passed, and gives their
 * units back; returns how many it released. Each batch is one transaction that claims
 * reservations with `FOR UPDATE SKIP LOCKED`: a reservation being committed or released right now
 * is skipped (its owner decides), and several runners never release the same one twice.
 * @example const released = await releaseExpiredReservations(db.forEnv('live'), new Date());
 */
export async function releaseExpiredReservations(db: EnvDb, now: Date, options: ExpiryOptions = {}): Promise<number> {
  const batchSize = options.batchSize ?? 200;
  const maxBatches = options.maxBatches ?? 50;
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const released = await db.transaction(async (tx) => {
      const claimed = await claimExpired(tx, now, batchSize);
      if (!claimed.length) return 0;
      const ids = claimed.map((r) => r.id);
      const lines = trackedLines(await linesOf(tx, ids));
      // The settlement locks the levels in the one (sku, location) order every stock writer uses: no deadlocks.
      // no events: only `reserved` moves (see LEVEL_UPDATED)
      await settleReservations(tx, { reservationIds: ids, status: 'expired', held: lines.map((l) => ({ sku: l.sku, location_id: l.location_id, units: l.quantity })) }, now);
      return claimed.length;
    });
    total += released;
    if (released < batchSize) break;
  }
  return total;
}

/**
 * The expiry job over every environment, for `Scheduler.every` in both `serve` and `worker`
 * (it needs no app, only the database).
 * @example scheduler.every('inventory.release_expired', 30_000, () => releaseExpiredEverywhere(runtime.db));
 */
export async function releaseExpiredEverywhere(db: Database, now: Date = new Date(), options?: ExpiryOptions): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const env of await db.environments()) out[env] = await releaseExpiredReservations(db.forEnv(env), now, options);
  return out;
}
