import { useState } from 'preact/hooks';
import type { Schema } from '../../../sdk/index.js';
import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Field, money, Page, Pager, Progress, useAction, useLoad, usePager, when } from '../ui.js';

type Run = Schema<'SettlementRun'>;
type Finding = Schema<'SellerReconciliationFinding'>;


/** The differences a seller-ledger reconciliation found, or that there are none. */
export function SellerFindings({ findings }: { findings: readonly Finding[] }) {
  if (findings.length === 0) return <p class="ok" data-findings="0">No differences: the seller ledger agrees with the seller orders.</p>;
  return (
    <table data-findings={findings.length}>
      <caption>{findings.length} difference{findings.length === 1 ? '' : 's'} found</caption>
      <thead>
        <tr><th scope="col">Kind</th><th scope="col">Seller</th><th scope="col">Reference</th><th scope="col">Expected</th><th scope="col">Actual</th><th scope="col">Difference</th></tr>
      </thead>
      <tbody>
        {findings.map((f, i) => (
          <tr key={i} class="bad">
            <td>{f.type.replace(/_/g, ' ')}</td>
            <td>{f.seller_id ? <code>{f.seller_id}</code> : '—'}</td>
            <td>{f.reference ? <code>{f.reference}</code> : '—'}</td>
            <td>{money(f.expected, f.currency)}</td>
            <td>{money(f.actual, f.currency)}</td>
            <td>{money(f.difference, f.currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Saves the run's payouts as a CSV file: the API's own export, fetched with the session's key, handed to the browser as a download. */
function useDownload(run: Run) {
  const { api } = useSession();
  const { act, busy, error } = useAction();
  const download = () =>
    act(async () => {
      const csv = await data((await api()).GET('/v1/settlements/{id}', { params: { path: { id: run.id } }, headers: { accept: 'text/csv' }, parseAs: 'blob' }));
      const url = URL.createObjectURL(csv);
      const link = document.createElement('a');
      link.href = url;
      link.download = `settlement-${run.period}-${run.id}.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      // the download has started from the URL; free it once the browser has read it
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    }, 'Preparing the CSV');
  return { busy: busy !== null, error, download };
}

/** A run: what it released and paid, its payouts, what its reconciliation found, and its CSV export. */
export function RunDetail({ run, heading }: { run: Run; heading?: string }) {
  const csv = useDownload(run);
  return (
    <article aria-labelledby={`run-${run.id}`} data-run={run.id}>
      <h2 id={`run-${run.id}`}>{heading ?? <>Settlement run <code>{run.id}</code></>}</h2>
      <dl class="facts">
        <dt>Period</dt>
        <dd>{run.period}</dd>
        <dt>Funds released up to</dt>
        <dd>{when(run.cutoff)}</dd>
        <dt>Started by</dt>
        <dd>{run.trigger === 'api' ? 'an operator (API)' : 'the daily schedule'}, {when(run.created_at)}</dd>
        <dt>Seller orders released</dt>
        <dd>{run.released_count}</dd>
        <dt>Paid out</dt>
        <dd>
          {run.totals.length === 0
            ? 'nothing'
            : run.totals.map((t) => `${money(t.amount, t.currency)} in ${t.payouts} payout${t.payouts === 1 ? '' : 's'}`).join('; ')}
        </dd>
      </dl>
      <ErrorBox error={csv.error} />
      <button type="button" onClick={() => void csv.download()} disabled={csv.busy}>Download CSV</button>
      {csv.busy ? <Progress label="Preparing the CSV" /> : null}
      <h3>Payouts</h3>
      {run.payouts.length === 0 ? (
        <p>No payouts: no seller had an available balance.</p>
      ) : (
        <table>
          <thead>
            <tr><th scope="col">Payout</th><th scope="col">Seller</th><th scope="col">Amount</th><th scope="col">Entries</th><th scope="col">Status</th></tr>
          </thead>
          <tbody>
            {run.payouts.map((p) => (
              <tr key={p.id} data-payout={p.id}>
                <td><code>{p.id}</code></td>
                <td>{p.seller_name ?? '—'}<br /><small><code>{p.seller_id}</code></small></td>
                <td>{money(p.amount, p.currency)}</td>
                <td>{p.entries_count}</td>
                <td>{p.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Reconciliation</h3>
      <SellerFindings findings={run.findings} />
    </article>
  );
}

/** One run, read by id (`#/settlements/:id`). */
export function SettlementRunPage({ id }: { id: string }) {
  const { api } = useSession();
  const run = useLoad(async () => {
    // the route answers JSON by default, CSV only when asked for it
    const value = await data((await api()).GET('/v1/settlements/{id}', { params: { path: { id } }, headers: { accept: 'application/json' } }));
    if (typeof value === 'string') throw new Error('The API answered CSV where JSON was asked for.');
    return value;
  }, [id]);
  return (
    <Page title={`Settlement run ${id}`}>
      <p><a href="#/settlements">All settlement runs</a></p>
      <ErrorBox error={run.error} />
      {run.loading ? <Progress label="Loading the run" /> : null}
      {run.value ? <RunDetail run={run.value} heading="Summary" /> : null}
    </Page>
  );
}

/** Settlement runs: run a period now (today's by default), read its payouts, and the list of past runs. */
export function SettlementsPage() {
  const { api } = useSession();
  const pager = usePager();
  const list = useLoad(async () => data((await api()).GET('/v1/settlements', { params: { query: { limit: 20, ...(pager.cursor ? { starting_after: pager.cursor } : {}) } } })), [pager.cursor]);
  const [period, setPeriod] = useState('');
  const [result, setResult] = useState<{ run: Run; again: boolean } | null>(null);
  const action = useAction(() => {
    pager.reset();
    list.reload();
  });
  const { error } = action;
  const running = action.busy !== null;

  const runNow = () => {
    setResult(null);
    return action.act(async () => {
      const res = await (await api()).POST('/v1/settlements/runs', { body: period ? { period } : {} });
      const run = await data(Promise.resolve(res));
      setResult({ run, again: res.response.status === 200 });
    }, 'Running the settlement');
  };

  return (
    <Page title="Settlements">
      <form
        aria-label="Run a settlement"
        onSubmit={(e) => {
          e.preventDefault();
          void runNow();
        }}
      >
        <h2>Run a settlement</h2>
        <p>Releases the funds of seller orders delivered more than the hold period ago, pays every active seller their available balance, then reconciles the seller ledger. A period is settled once: running it again shows its run.</p>
        <Field label="Period" id="settlement-period" hint="A day (YYYY-MM-DD); leave empty for today.">
          <input id="settlement-period" type="date" value={period} onInput={(e) => setPeriod(e.currentTarget.value)} aria-describedby="settlement-period-hint" />
        </Field>
        <button type="submit" disabled={running}>Run settlement</button>
      </form>
      {running ? <Progress label="Running the settlement" /> : null}
      <ErrorBox error={error} />
      {result ? (
        <>
          <p role="status" class="ok">
            {result.again ? `Period ${result.run.period} was already settled: this is its run.` : `Settled period ${result.run.period}: ${result.run.payouts.length} payout${result.run.payouts.length === 1 ? '' : 's'}.`}
          </p>
          <RunDetail run={result.run} />
        </>
      ) : null}
      <h2>Runs</h2>
      <ErrorBox error={list.error} />
      {list.value && list.value.data.length === 0 ? <p>No settlement runs yet.</p> : null}
      <table>
        <thead>
          <tr><th scope="col">Run</th><th scope="col">Period</th><th scope="col">Trigger</th><th scope="col">Released</th><th scope="col">Paid out</th><th scope="col">Reconciliation</th><th scope="col">Created</th></tr>
        </thead>
        <tbody>
          {(list.value?.data ?? []).map((r) => (
            <tr key={r.id} class={r.findings.length > 0 ? 'bad' : undefined}>
              <td><a href={`#/settlements/${r.id}`}>{r.id}</a></td>
              <td>{r.period}</td>
              <td>{r.trigger}</td>
              <td>{r.released_count}</td>
              <td>{r.totals.length === 0 ? 'nothing' : r.totals.map((t) => `${money(t.amount, t.currency)} (${t.payouts})`).join(', ')}</td>
              <td>{r.findings.length === 0 ? 'agrees' : `${r.findings.length} difference${r.findings.length === 1 ? '' : 's'}`}</td>
              <td>{when(r.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={list.reload}>Refresh</button>
      <Pager page={pager.page} nextCursor={list.value?.next_cursor ?? null} onNext={pager.next} onPrevious={pager.previous} />
    </Page>
  );
}
