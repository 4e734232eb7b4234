import type { BookedAuthorization } from './payments.repo.js';
import type { ReconciliationFinding } from './payments.schemas.js';
import type { SettlementEntry } from './processor.js';

/**
 * Compares our books for one processor with its settlement report, by authorization id:
 * - `missing`: we recorded a capture the processor does not report;
 * - `extra`: the processor reports a capture we do not know (a late authorization, say);
 * - `amount_mismatch`: both know it, but captured or refunded amounts (or the currency) differ.
 * Pure: the caller fetches both sides.
 * @example compareSettlements('simpay', await bookedAuthorizations(db), report)
 */
export function compareSettlements(processor: string, booked: readonly BookedAuthorization[], report: readonly SettlementEntry[]): ReconciliationFinding[] {
  const ours = new Map(booked.filter((b) => b.processor === processor).map((b) => [b.processor_payment_id, b]));
  const theirs = new Map<string, SettlementEntry>();
  for (const entry of report) theirs.set(entry.authorization_id, entry);
  const findings: ReconciliationFinding[] = [];
  const finding = (kind: ReconciliationFinding['kind'], b: BookedAuthorization | undefined, e: SettlementEntry | undefined): ReconciliationFinding => ({
    kind,
    processor,
    payment_id: b?.payment_id ?? null,
    processor_payment_id: b?.processor_payment_id ?? e?.authorization_id ?? null,
    reference: b?.reference ?? e?.reference ?? null,
    currency: b?.currency ?? e?.currency ?? null,
    expected_captured: b ? b.amount_captured : null,
    actual_captured: e ? e.amount_captured : null,
    expected_refunded: b ? b.amount_refunded : null,
    actual_refunded: e ? e.amount_refunded : null,
  });
  for (const b of ours.values()) {
    const e = theirs.get(b.processor_payment_id);
    if (!e) {
      if (b.amount_captured > 0) findings.push(finding('missing', b, undefined));
      continue;
    }
    if (e.amount_captured !== b.amount_captured || e.amount_refunded !== b.amount_refunded || e.currency !== b.currency) findings.push(finding('amount_mismatch', b, e));
  }
  for (const e of theirs.values()) if (!ours.has(e.authorization_id)) findings.push(finding('extra', undefined, e));
  return findings;
}
