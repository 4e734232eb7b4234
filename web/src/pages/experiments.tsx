import { useState } from 'preact/hooks';
import type { Schema } from '../../../sdk/index.js';
import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Field, money, Page, Pager, useLoad, usePager, when } from '../ui.js';

type Experiment = Schema<'Experiment'>;
type VariantResult = Schema<'ExperimentResults'>['variants'][number];

/** A rate (0–1) as a person reads it: `12.5 %`. */
export const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;


/** Relative change of a variant's conversion rate against the control's; null for the control or a zero control rate. */
export function lift(v: VariantResult, control: VariantResult | undefined): string {
  if (!control || v === control) return '—';
  if (control.conversion_rate === 0) return v.conversion_rate === 0 ? '0.0 %' : 'n/a (control 0 %)';
  const l = (v.conversion_rate - control.conversion_rate) / control.conversion_rate;
  return `${l >= 0 ? '+' : ''}${(l * 100).toFixed(1)} %`;
}

const significance = (p: number | null) => (p === null ? 'control' : p < 0.05 ? 'significant (p < 0.05)' : 'not significant');

/** Experiments, newest first, filtered by status; each links to its results. */
export function ExperimentsPage() {
  const { api } = useSession();
  const pager = usePager();
  const [status, setStatus] = useState<'' | Experiment['status']>('');
  const list = useLoad(
    async () => data((await api()).GET('/v1/experiments', { params: { query: { limit: 20, ...(status ? { status } : {}), ...(pager.cursor ? { starting_after: pager.cursor } : {}) } } })),
    [status, pager.cursor],
  );
  return (
    <Page title="Experiments">
      <ErrorBox error={list.error} />
      <Field label="Show" id="experiment-status">
        <select
          id="experiment-status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value as typeof status);
            pager.reset();
          }}
        >
          <option value="">all experiments</option>
          <option value="draft">drafts</option>
          <option value="running">running</option>
          <option value="stopped">stopped</option>
        </select>
      </Field>
      {list.value && list.value.data.length === 0 ? <p>No experiments.</p> : null}
      <table>
        <thead>
          <tr><th scope="col">Experiment</th><th scope="col">Key</th><th scope="col">Name</th><th scope="col">Slot</th><th scope="col">Status</th><th scope="col">Variants</th><th scope="col">Started</th><th scope="col">Stopped</th></tr>
        </thead>
        <tbody>
          {(list.value?.data ?? []).map((e) => (
            <tr key={e.id}>
              <td><a href={`#/experiments/${e.id}`}>{e.id}</a></td>
              <td><code>{e.key}</code></td>
              <td>{e.name || '—'}</td>
              <td>{e.slot}</td>
              <td>{e.status}</td>
              <td>{e.variants.map((v) => `${v.key} (${v.strategy}, weight ${v.weight})`).join(', ')}</td>
              <td>{when(e.started_at)}</td>
              <td>{when(e.stopped_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager page={pager.page} nextCursor={list.value?.next_cursor ?? null} onNext={pager.next} onPrevious={pager.previous} />
    </Page>
  );
}

/** Conversion rate per variant as horizontal bars; the figure's caption and the table carry the same numbers as text. */
function RateChart({ variants }: { variants: VariantResult[] }) {
  const top = Math.max(0.0001, ...variants.map((v) => v.conversion_rate));
  const row = 28;
  const label = 120;
  const width = 360;
  const summary = variants.map((v) => `${v.variant}: ${percent(v.conversion_rate)} (${v.conversions} of ${v.exposures})`).join('; ');
  return (
    <figure class="chart">
      <svg role="img" aria-labelledby="rate-chart-title" viewBox={`0 0 ${label + width + 90} ${variants.length * row + 4}`} width={label + width + 90} height={variants.length * row + 4}>
        <title id="rate-chart-title">Conversion rate per variant. {summary}</title>
        {variants.map((v, i) => (
          <g key={v.variant} transform={`translate(0 ${i * row + 2})`}>
            <text x={0} y={17} font-size="13" fill="#1b1f24">{v.variant}</text>
            <rect x={label} y={3} height={row - 8} width={width} fill="#eef1f4" />
            <rect x={label} y={3} height={row - 8} width={Math.round((v.conversion_rate / top) * width)} fill={i === 0 ? '#5a6470' : '#0b57d0'} />
            <text x={label + width + 6} y={17} font-size="13" fill="#1b1f24">{percent(v.conversion_rate)}</text>
          </g>
        ))}
      </svg>
      <figcaption>Conversion rate per variant (the first, in grey, is the control): {summary}.</figcaption>
    </figure>
  );
}

/** One experiment: its set-up, and results per variant against the control, as a table and a bar chart. */
export function ExperimentPage({ id }: { id: string }) {
  const { api } = useSession();
  const [currency, setCurrency] = useState('');
  const [applied, setApplied] = useState('');
  const experiment = useLoad(async () => data((await api()).GET('/v1/experiments/{id}', { params: { path: { id } } })), [id]);
  const results = useLoad(
    async () => data((await api()).GET('/v1/experiments/{id}/results', { params: { path: { id }, query: applied ? { currency: applied } : {} } })),
    [id, applied],
  );
  const e = experiment.value;
  const r = results.value;
  const control = r?.variants[0];
  return (
    <Page title={`Experiment ${e?.key ?? id}`}>
      <p><a href="#/experiments">All experiments</a></p>
      <ErrorBox error={experiment.error ?? results.error} />
      {e ? (
        <dl class="facts">
          <dt>Id</dt>
          <dd><code>{e.id}</code></dd>
          <dt>Name</dt>
          <dd>{e.name || '—'}</dd>
          <dt>Slot</dt>
          <dd>{e.slot}</dd>
          <dt>Status</dt>
          <dd>{e.status}</dd>
          <dt>Started</dt>
          <dd>{when(e.started_at)}</dd>
          <dt>Stopped</dt>
          <dd>{when(e.stopped_at)}</dd>
        </dl>
      ) : null}
      <h2>Results per variant</h2>
      <form
        aria-label="Revenue currency"
        onSubmit={(ev) => {
          ev.preventDefault();
          if (currency === applied) results.reload();
          else setApplied(currency);
        }}
      >
        <Field label="Revenue currency" id="results-currency" hint="Three letters, e.g. USD; empty: the currency of most attributed orders.">
          <input id="results-currency" value={currency} maxLength={3} pattern="[A-Z]{3}" onInput={(ev) => setCurrency(ev.currentTarget.value.toUpperCase())} aria-describedby="results-currency-hint" />
        </Field>
        <button type="submit">Refresh results</button>
      </form>
      {r ? (
        <>
          <p>
            Conversions are exposed subjects with an order after their first exposure. Lift and p-value (two-sided two-proportion z-test) compare each variant's conversion rate with the control,{' '}
            <strong>{control?.variant ?? '—'}</strong>. Revenue in {r.currency ?? 'no currency yet'}.
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Variant</th><th scope="col">Strategy</th><th scope="col">Exposures</th><th scope="col">Conversions</th><th scope="col">Conversion rate</th>
                <th scope="col">Lift vs control</th><th scope="col">p-value</th><th scope="col">Significance</th><th scope="col">Orders</th><th scope="col">Revenue</th>
                <th scope="col">Average order</th><th scope="col">Revenue per exposure</th>
              </tr>
            </thead>
            <tbody>
              {r.variants.map((v) => (
                <tr key={v.variant} data-variant={v.variant}>
                  <th scope="row">{v.variant}</th>
                  <td>{v.strategy}</td>
                  <td data-col="exposures">{v.exposures}</td>
                  <td data-col="conversions">{v.conversions}</td>
                  <td data-col="conversion_rate">{percent(v.conversion_rate)}</td>
                  <td data-col="lift">{lift(v, control)}</td>
                  <td data-col="p_value">{v.p_value === null ? '—' : v.p_value.toFixed(3)}</td>
                  <td>{significance(v.p_value)}</td>
                  <td data-col="orders">{v.orders}</td>
                  <td data-col="revenue">{money(v.revenue, r.currency)}</td>
                  <td data-col="average_order_value">{money(v.average_order_value === null ? null : Math.round(v.average_order_value), r.currency)}</td>
                  <td data-col="revenue_per_exposure">{money(Math.round(v.revenue_per_exposure), r.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {r.variants.some((v) => v.exposures > 0) ? <RateChart variants={r.variants} /> : <p>No exposures yet: nothing to chart.</p>}
        </>
      ) : null}
    </Page>
  );
}
