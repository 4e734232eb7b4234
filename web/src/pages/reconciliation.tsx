import { useState } from 'preact/hooks';
import type { Schema } from '../../../sdk/index.js';
import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Field, money, Page, Progress, useAction, when } from '../ui.js';
import { SellerFindings } from './settlements.js';

type PaymentsRun = Schema<'ReconciliationRun'>;
type SellerCheck = Schema<'SellerReconciliation'>;

const KIND: Record<Schema<'ReconciliationFinding'>['kind'], string> = {
  missing: 'missing at the processor',
  extra: 'unknown to us',
  amount_mismatch: 'amounts differ',
};


/** A payments reconciliation run: what was compared, and each difference with both sides' amounts. */
function PaymentsRunView({ run }: { run: PaymentsRun }) {
  const total = run.summary.missing + run.summary.extra + run.summary.amount_mismatch;
  return (
    <article aria-labelledby={`recon-${run.id}`} data-recon-run={run.id}>
      <h3 id={`recon-${run.id}`}>Run <code>{run.id}</code></h3>
      <dl class="facts">
        <dt>Status</dt>
        <dd>{run.status === 'completed' ? 'completed' : 'partial: some processor reports could not be fetched'}</dd>
        <dt>Processors</dt>
        <dd>{run.processors.join(', ') || '—'}</dd>
        <dt>Checked</dt>
        <dd>{run.payments_checked} payments, {run.entries_checked} report entries</dd>
        <dt>Found</dt>
        <dd data-summary>{run.summary.missing} missing, {run.summary.extra} extra, {run.summary.amount_mismatch} amount mismatches</dd>
        <dt>Ran</dt>
        <dd>{when(run.started_at)} to {when(run.finished_at)} ({run.trigger === 'api' ? 'by an operator' : 'scheduled'})</dd>
      </dl>
      {run.errors.length > 0 ? (
        <div class="error" role="alert">
          <strong>Reports that could not be fetched</strong>
          <ul>{run.errors.map((e) => <li key={e.processor}>{e.processor}: {e.detail}</li>)}</ul>
        </div>
      ) : null}
      {total === 0 ? (
        <p class="ok">No differences: our payments agree with the processors' reports.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Finding</th><th scope="col">Processor</th><th scope="col">Payment</th><th scope="col">Reference</th>
              <th scope="col">Captured (ours / theirs)</th><th scope="col">Refunded (ours / theirs)</th>
            </tr>
          </thead>
          <tbody>
            {run.findings.map((f, i) => (
              <tr key={i} class="bad">
                <td>{KIND[f.kind]}</td>
                <td>{f.processor}</td>
                <td>{f.payment_id ? <code>{f.payment_id}</code> : f.processor_payment_id ? <small>theirs: <code>{f.processor_payment_id}</code></small> : '—'}</td>
                <td>{f.reference ? <code>{f.reference}</code> : '—'}</td>
                <td>{money(f.expected_captured, f.currency)} / {money(f.actual_captured, f.currency)}</td>
                <td>{money(f.expected_refunded, f.currency)} / {money(f.actual_refunded, f.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}

/**
 * Reconciliation: our payments against the processors' settlement reports, and the marketplace's
 * seller ledger against its seller orders. Each runs on demand here (and daily on a schedule).
 */
export function ReconciliationPage() {
  const { api } = useSession();
  const [payments, setPayments] = useState<PaymentsRun | null>(null);
  const [sellers, setSellers] = useState<SellerCheck | null>(null);
  const [runId, setRunId] = useState('');

  const action = useAction();
  const { busy, error } = action;
  const act = (label: string, fn: () => Promise<void>) => action.act(fn, label);

  return (
    <Page title="Reconciliation">
      <ErrorBox error={error} />
      {busy ? <Progress label={busy} /> : null}
      <h2>Payments</h2>
      <p>Compares captured and refunded amounts with each processor's settlement report.</p>
      <button type="button" disabled={busy !== null} onClick={() => void act('Reconciling payments', async () => setPayments(await data((await api()).POST('/v1/reconciliation/runs'))))}>
        Reconcile payments now
      </button>
      <form
        aria-label="Open a payments reconciliation run"
        onSubmit={(e) => {
          e.preventDefault();
          void act('Loading the run', async () => setPayments(await data((await api()).GET('/v1/reconciliation/runs/{id}', { params: { path: { id: runId.trim() } } }))));
        }}
      >
        <Field label="Run id" id="recon-run-id" hint="A past run, e.g. from a scheduled job's log.">
          <input id="recon-run-id" required value={runId} onInput={(e) => setRunId(e.currentTarget.value)} aria-describedby="recon-run-id-hint" />
        </Field>
        <button type="submit" disabled={busy !== null}>Open run</button>
      </form>
      {payments ? <PaymentsRunView run={payments} /> : null}
      <h2>Seller ledger</h2>
      <p>Compares, per seller and currency, pending + available + paid out with sales − commissions − refunds − chargebacks, and checks every posting and payout balances.</p>
      <button type="button" disabled={busy !== null} onClick={() => void act('Reconciling the seller ledger', async () => setSellers(await data((await api()).POST('/v1/settlements/reconciliation'))))}>
        Reconcile seller ledger now
      </button>
      {sellers ? (
        <section aria-label="Seller ledger findings" data-checked-at={sellers.checked_at}>
          <p>Checked {when(sellers.checked_at)}.</p>
          <SellerFindings findings={sellers.findings} />
        </section>
      ) : null}
    </Page>
  );
}
