import type { Queryable } from '../../platform/db/database.js';
import type { CanonicalStatus, CarrierCode, RawScan } from './carriers/carrier.js';
import type { Scan } from './tracking.js';

export interface ShipmentRow {
  id: string;
  order_id: string;
  carrier: CarrierCode;
  tracking_number: string;
  location_id: string;
  /** The seller whose lines it carries; null for the platform's own. */
  seller_id: string | null;
  status: CanonicalStatus;
  raw_code: string | null;
  raw_message: string | null;
  status_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface ShipmentWithLines {
  shipment: ShipmentRow;
  lines: { order_line_id: string; quantity: number }[];
}

export async function insertShipment(tx: Queryable, s: Omit<ShipmentRow, 'raw_code' | 'raw_message' | 'status_at' | 'delivered_at' | 'updated_at'>, lines: readonly { line_id: string; quantity: number }[]): Promise<boolean> {
  const { rowCount } = await tx.query(
    `WITH s AS (
       INSERT INTO shipments (id, order_id, carrier, tracking_number, location_id, status, created_at, updated_at, seller_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $10) ON CONFLICT (carrier, tracking_number) DO NOTHING RETURNING id
     )
     INSERT INTO shipment_lines (shipment_id, order_line_id, quantity) SELECT s.id, l.line_id, l.quantity FROM s, unnest($8::text[], $9::int[]) AS l(line_id, quantity)`,
    [s.id, s.order_id, s.carrier, s.tracking_number, s.location_id, s.status, s.created_at, lines.map((l) => l.line_id), lines.map((l) => l.quantity), s.seller_id],
  );
  return rowCount === lines.length;
}

/** Shipments by id, order or tracking numbers; `sellerId` confines them to one seller's (a seller key's view). */
export async function findShipments(db: Queryable, where: { ids?: readonly string[]; orderId?: string; carrier?: CarrierCode; trackingNumbers?: readonly string[]; sellerId?: string | null }, lock = false): Promise<ShipmentWithLines[]> {
  const { rows } = await db.query<ShipmentRow & { lines: { order_line_id: string; quantity: number }[] }>(
    `SELECT s.*, coalesce((SELECT json_agg(json_build_object('order_line_id', l.order_line_id, 'quantity', l.quantity) ORDER BY l.order_line_id) FROM shipment_lines l WHERE l.shipment_id = s.id), '[]') AS lines
       FROM shipments s
      WHERE ($1::text[] IS NULL OR s.id = ANY($1)) AND ($2::text IS NULL OR s.order_id = $2)
        AND ($3::text IS NULL OR (s.carrier = $3 AND s.tracking_number = ANY($4::text[]))) AND ($5::text IS NULL OR s.seller_id = $5)
      ORDER BY s.id${lock ? ' FOR UPDATE OF s' : ''}`,
    [where.ids ?? null, where.orderId ?? null, where.carrier ?? null, where.trackingNumbers ?? [], where.sellerId ?? null],
  );
  return rows.map(({ lines, ...shipment }) => ({ shipment, lines }));
}

export async function updateStatus(tx: Queryable, id: string, scan: Scan, now: Date): Promise<void> {
  await tx.query(
    `UPDATE shipments SET status = $2, raw_code = $3, raw_message = $4, status_at = $5, updated_at = $6,
            delivered_at = CASE WHEN $2 = 'delivered' THEN coalesce(delivered_at, $5) ELSE delivered_at END
      WHERE id = $1`,
    [id, scan.status, scan.raw_code, scan.raw_message, scan.occurred_at, now],
  );
}

/** Scans of several tracking numbers of one carrier, by tracking number. */
export async function scansOfMany(db: Queryable, carrier: CarrierCode, trackingNumbers: readonly string[]): Promise<Map<string, Scan[]>> {
  const { rows } = await db.query<Scan & { tracking_number: string }>(
    'SELECT tracking_number, raw_code, raw_message, status, occurred_at, location, received_at FROM tracking_events WHERE carrier = $1 AND tracking_number = ANY($2::text[]) ORDER BY occurred_at, received_at',
    [carrier, trackingNumbers],
    'fulfillment_scans_of_many',
  );
  const out = new Map<string, Scan[]>();
  for (const { tracking_number, ...scan } of rows) out.set(tracking_number, [...(out.get(tracking_number) ?? []), scan]);
  return out;
}

export async function scansOf(db: Queryable, carrier: CarrierCode, trackingNumber: string): Promise<Scan[]> {
  const { rows } = await db.query<Scan>(
    'SELECT raw_code, raw_message, status, occurred_at, location, received_at FROM tracking_events WHERE carrier = $1 AND tracking_number = $2 ORDER BY occurred_at, received_at',
    [carrier, trackingNumber],
  );
  return rows;
}

/** Stores scans once each (idempotent on the carrier's scan id); returns the tracking numbers that got a new scan. */
export async function insertScans(tx: Queryable, carrier: CarrierCode, scans: readonly (RawScan & { status: CanonicalStatus })[], now: Date): Promise<string[]> {
  if (!scans.length) return [];
  const { rows } = await tx.query<{ tracking_number: string }>(
    `INSERT INTO tracking_events (carrier, scan_id, tracking_number, raw_code, raw_message, status, occurred_at, location, received_at)
     SELECT $1, * , $9 FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
     ON CONFLICT (carrier, scan_id) DO NOTHING RETURNING tracking_number`,
    [carrier, scans.map((s) => s.scanId), scans.map((s) => s.trackingNumber), scans.map((s) => s.rawCode), scans.map((s) => s.rawMessage), scans.map((s) => s.status), scans.map((s) => s.occurredAt), scans.map((s) => s.location), now],
  );
  return [...new Set(rows.map((r) => r.tracking_number))];
}

export async function insertWebhook(db: Queryable, id: string, carrier: CarrierCode, body: string, now: Date): Promise<void> {
  await db.query('INSERT INTO carrier_webhooks (id, carrier, body, received_at) VALUES ($1, $2, $3, $4)', [id, carrier, body, now], 'fulfillment_insert_webhook');
}

/** Takes the oldest unprocessed webhooks, locked (SKIP LOCKED) for the caller's transaction. */
export async function claimWebhooks(tx: Queryable, limit: number): Promise<{ id: string; carrier: CarrierCode; body: string }[]> {
  const { rows } = await tx.query<{ id: string; carrier: CarrierCode; body: string }>(
    'SELECT id, carrier, body FROM carrier_webhooks WHERE processed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
    [limit],
    'fulfillment_claim_webhooks',
  );
  return rows;
}

export async function markProcessed(tx: Queryable, outcomes: readonly { id: string; scans: number; error: string | null }[], now: Date): Promise<void> {
  if (!outcomes.length) return;
  await tx.query(
    `UPDATE carrier_webhooks w SET processed_at = $4, scans = o.scans, error = o.error
       FROM unnest($1::text[], $2::int[], $3::text[]) AS o(id, scans, error) WHERE w.id = o.id`,
    [outcomes.map((o) => o.id), outcomes.map((o) => o.scans), outcomes.map((o) => o.error), now],
    'fulfillment_mark_processed',
  );
}
