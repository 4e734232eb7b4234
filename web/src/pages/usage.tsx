import type { Schema } from '../../../sdk/index.js';
import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, money, Page, useLoad, when } from '../ui.js';

type Usage = Schema<'Usage'>;
type MeterName = keyof Usage['meters'];
type MeterUsage = Usage['meters'][MeterName];

const METERS: { name: MeterName; label: string }[] = [
  { name: 'api_calls', label: 'API calls' },
  { name: 'recommendation_calls', label: 'Recommendation calls' },
  { name: 'checkout_calls', label: 'Checkout calls' },
];

const count = (n: number) => n.toLocaleString('en-US');


/** One meter as a horizontal bar: the used part against the free quota (and the hard cap, when there is one). */
function MeterBar({ label, meter }: { label: string; meter: MeterUsage }) {
  const limit = meter.hard_cap ?? meter.free_quota;
  const scale = Math.max(limit, meter.quantity, 1);
  const used = meter.quantity > 0 ? Math.min(100, Math.max(0.5, (meter.quantity / scale) * 100)) : 0; // a sliver stays visible
  const quota = (meter.free_quota / scale) * 100;
  const share = meter.free_quota > 0 ? ` (${((meter.quantity / meter.free_quota) * 100).toFixed(1)}% of the free quota)` : '';
  const text = `${label}: ${count(meter.quantity)} of ${count(meter.free_quota)} free${share}`;
  const over = meter.quantity > meter.free_quota;
  return (
    <li data-meter>
      <p>
        <strong>{label}</strong>: {count(meter.quantity)} used of {count(meter.free_quota)} free{share}
        {meter.hard_cap !== null ? `; hard cap ${count(meter.hard_cap)}` : ''}
        {over ? ' — beyond the free quota, billed per tier' : `; ${count(meter.free_remaining)} free left`}
      </p>
      <svg role="img" aria-label={text} width="100%" height="22" viewBox="0 0 100 22" preserveAspectRatio="none">
        <rect x="0" y="3" width="100" height="16" fill="#eef1f4" stroke="#8a94a0" stroke-width="0.3" />
        <rect x="0" y="3" width={used} height="16" fill={over ? '#b3261e' : '#0b57d0'} />
        {/* the free quota's end, when a hard cap stretches the scale past it */}
        {quota < 100 ? <line x1={quota} x2={quota} y1="0" y2="22" stroke="#1b1f24" stroke-width="0.6" stroke-dasharray="2 1" /> : null}
      </svg>
    </li>
  );
}

/** The partner's usage this period against its plan's quotas, and the invoice it adds up to so far. */
export function UsagePage() {
  const { api } = useSession();
  const usage = useLoad(async () => data((await api()).GET('/v1/usage', { params: { query: { limit: 10 } } })), []);
  // after the usage, so the call counts the page shows are its own calls' and those before
  const invoice = useLoad(async () => (usage.value ? data((await api()).GET('/v1/invoices/upcoming')) : null), [usage.value]);
  const u = usage.value?.data[0];
  const inv = invoice.value;

  return (
    <Page title="Usage and billing">
      <button type="button" onClick={() => usage.reload()} disabled={usage.loading}>Refresh</button>
      <ErrorBox error={usage.error ?? invoice.error} />
      {usage.value && !u ? <p>No usage recorded this period yet.</p> : null}
      {u ? (
        <>
          <h2>This period ({u.period}, {u.environment} mode)</h2>
          <p>
            Plan <code>{u.plan_id}</code>, {when(u.period_start)} to {when(u.period_end)}.
            {u.environment === 'test' ? ' Test-mode usage is metered and shown here, never capped nor billed.' : ''}
          </p>
          <figure>
            <figcaption>Usage against the free quota, per meter</figcaption>
            <ul class="meters">
              {METERS.map((m) => (
                <MeterBar key={m.name} label={m.label} meter={u.meters[m.name]} />
              ))}
            </ul>
          </figure>
        </>
      ) : null}
      {inv ? (
        <>
          <h2>Upcoming invoice</h2>
          <p>
            Draft for {inv.period} as of {when(inv.as_of)} (live-mode usage only), plan <code>{inv.plan_id ?? '—'}</code>. Amounts in {inv.currency}.
          </p>
          <table aria-label="Upcoming invoice lines">
            <thead>
              <tr><th scope="col">Meter</th><th scope="col">Tier</th><th scope="col">Units</th><th scope="col">Quantity</th><th scope="col">Unit price</th><th scope="col">Amount</th></tr>
            </thead>
            <tbody>
              {inv.lines.map((l) => (
                <tr key={`${l.meter}-${l.tier}`}>
                  <td>{METERS.find((m) => m.name === l.meter)?.label ?? l.meter}</td>
                  <td>{l.tier === 0 ? 'Free quota' : `Tier ${l.tier}`}</td>
                  <td>{count(l.first_unit)}–{count(l.last_unit)}</td>
                  <td>{count(l.quantity)}</td>
                  <td>{money(l.unit_amount_decimal, inv.currency, 6)}</td>
                  <td>{money(l.amount, inv.currency)}</td>
                </tr>
              ))}
              {inv.lines.length === 0 ? (
                <tr><td colSpan={6}>No live-mode usage this period.</td></tr>
              ) : null}
            </tbody>
            <tfoot>
              <tr><th scope="row" colSpan={5}>Total</th><td data-invoice-total>{money(inv.total, inv.currency)}</td></tr>
            </tfoot>
          </table>
        </>
      ) : null}
    </Page>
  );
}
