import { Type } from '@sinclair/typebox';
import { Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';

export const Payout = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('payout'),
    settlement_run_id: Type.String(),
    seller_id: Type.String(),
    seller_name: Nullable(Type.String()),
    currency: Type.String(),
    amount: Type.Integer({ description: 'Minor units.' }),
    status: StringEnum(['pending', 'paid', 'failed'] as const, { description: '`pending`: recorded in the ledger; the transfer to the seller is not part of Tessera yet.' }),
    entries_count: Type.Integer({ description: "The seller's available-account ledger entries this payout settles." }),
    created_at: Timestamp,
  },
  { $id: 'Payout' },
);

export const ReconciliationFinding = Type.Object(
  {
    type: StringEnum(['seller_balance', 'payout_entries', 'unbalanced_posting', 'ledger_unbalanced'] as const),
    seller_id: Nullable(Type.String()),
    currency: Type.String(),
    reference: Nullable(Type.String()),
    expected: Type.Integer(),
    actual: Type.Integer(),
    difference: Type.Integer(),
  },
  { $id: 'SellerReconciliationFinding' },
);

const runFields = {
  id: Type.String(),
  object: Type.Literal('settlement_run'),
  period: Type.String({ format: 'date' }),
  cutoff: Timestamp,
  trigger: StringEnum(['api', 'schedule'] as const),
  released_count: Type.Integer({ description: 'Seller orders whose funds this run released (pending → available).' }),
  totals: Type.Array(Type.Object({ currency: Type.String(), payouts: Type.Integer(), amount: Type.Integer() })),
  findings: Type.Array(Type.Ref(ReconciliationFinding), { description: 'What the reconciliation at the end of the run found; empty when the ledger agrees with the seller orders.' }),
  created_at: Timestamp,
};

export const SettlementRunSummary = Type.Object(runFields, { $id: 'SettlementRunSummary' });
export const SettlementRun = Type.Object({ ...runFields, payouts: Type.Array(Type.Ref(Payout)) }, { $id: 'SettlementRun' });

export const Reconciliation = Type.Object(
  { object: Type.Literal('reconciliation'), checked_at: Timestamp, findings: Type.Array(Type.Ref(ReconciliationFinding)) },
  { $id: 'SellerReconciliation' },
);

export const SellerBalance = Type.Object(
  {
    object: Type.Literal('balance'),
    seller_id: Type.String(),
    balances: Type.Array(Type.Object({ currency: Type.String(), pending: Type.Integer(), available: Type.Integer() })),
  },
  { $id: 'SellerBalance' },
);

export const Chargeback = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('chargeback'),
    seller_order_id: Type.String(),
    seller_id: Type.String(),
    currency: Type.String(),
    amount: Type.Integer(),
    reason: Nullable(Type.String()),
    created_at: Timestamp,
  },
  { $id: 'Chargeback' },
);

export const settlementSchemas = [Payout, ReconciliationFinding, SettlementRunSummary, SettlementRun, Reconciliation, SellerBalance, Chargeback];
