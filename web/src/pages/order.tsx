import type { Schema } from '../../../sdk/index.js';
import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, money, Page, useLoad, when } from '../ui.js';
import { words } from './orders.js';

type Attempt = Schema<'PaymentAttempt'>;

/** What each attempt outcome means to an operator. */
const OUTCOMES: Record<Attempt['outcome'], string> = {
  pending: 'in flight',
  authorized: 'authorised',
  declined: 'declined (hard decline, not retried elsewhere)',
  unavailable: 'failed: processor unavailable',
  circuit_open: 'skipped: circuit breaker open',
  timeout_authorized: 'timed out; the lookup found it authorised',
  timeout_not_authorized: 'timed out; the lookup found no authorisation',
  unresolved: 'unresolved: timed out and the lookup failed',
  error: 'failed: error',
};

/** An address on one line, in the order people write it (the API's object has no key order). */
function address(a: Record<string, string> | null): string {
  if (!a) return '—';
  const known = ['name', 'line1', 'line2', 'city', 'state', 'postal_code', 'country'];
  return [...known.map((k) => a[k]), ...Object.entries(a).filter(([k]) => !known.includes(k)).map(([, v]) => v)].filter(Boolean).join(', ');
}

/** The attempt after this one went to another processor: the payment failed over. */
function failover(attempts: readonly Attempt[], i: number): string {
  const next = attempts[i + 1];
  if (!next) return '—';
  return next.processor === attempts[i]!.processor ? `retried at ${next.processor}` : `failed over to ${next.processor}`;
}

/** Every attempt at the order's payment, in order: processor, outcome, decline code, failover. */
function PaymentTimeline({ paymentId }: { paymentId: string }) {
  const { api } = useSession();
  const payment = useLoad(async () => data((await api()).GET('/v1/payments/{id}', { params: { path: { id: paymentId } } })), [paymentId]);
  const p = payment.value;
  return (
    <section aria-labelledby="payment-title">
      <h2 id="payment-title">Payment</h2>
      <ErrorBox error={payment.error} />
      {p ? (
        <>
          <dl class="facts">
            <dt>Payment</dt>
            <dd><code>{p.id}</code></dd>
            <dt>Status</dt>
            <dd>{words(p.status)}</dd>
            <dt>Processor</dt>
            <dd>{p.processor ?? '—'}{p.processor_payment_id ? <> (<code>{p.processor_payment_id}</code>)</> : null}</dd>
            <dt>Captured</dt>
            <dd>{money(p.amount_captured, p.currency)} of {money(p.amount, p.currency)}{p.amount_refunded ? `, ${money(p.amount_refunded, p.currency)} refunded` : ''}</dd>
          </dl>
          <table aria-label="Payment attempts">
            <caption>Payment attempts, oldest first</caption>
            <thead>
              <tr><th scope="col">#</th><th scope="col">Started</th><th scope="col">Processor</th><th scope="col">Outcome</th><th scope="col">Decline code</th><th scope="col">Latency</th><th scope="col">Failover</th><th scope="col">Detail</th></tr>
            </thead>
            <tbody>
              {p.attempts.map((a, i) => (
                <tr key={a.number} data-attempt={a.number} data-outcome={a.outcome} class={a.outcome === 'authorized' || a.outcome === 'timeout_authorized' || a.outcome === 'pending' ? undefined : 'bad'}>
                  <td>{a.number}</td>
                  <td>{when(a.started_at)}</td>
                  <td>{a.processor}</td>
                  <td>{OUTCOMES[a.outcome]}</td>
                  <td>{a.decline_code ? <code>{a.decline_code}</code> : '—'}</td>
                  <td>{a.latency_ms === null ? '—' : `${a.latency_ms} ms`}</td>
                  <td>{failover(p.attempts, i)}</td>
                  <td>{a.detail ?? '—'}<br /><small><code>{a.reference}</code></small></td>
                </tr>
              ))}
            </tbody>
          </table>
          {p.attempts.length === 0 ? <p>No attempts yet.</p> : null}
        </>
      ) : null}
    </section>
  );
}

/** The order's shipments, each opening its tracking timeline. */
function Shipments({ orderId }: { orderId: string }) {
  const { api } = useSession();
  const list = useLoad(async () => data((await api()).GET('/v1/orders/{id}/shipments', { params: { path: { id: orderId } } })), [orderId]);
  return (
    <section aria-labelledby="shipments-title">
      <h2 id="shipments-title">Shipments</h2>
      <ErrorBox error={list.error} />
      {list.value && list.value.data.length === 0 ? <p>Not shipped yet.</p> : null}
      {list.value && list.value.data.length > 0 ? (
        <table>
          <thead>
            <tr><th scope="col">Shipment</th><th scope="col">Carrier</th><th scope="col">Tracking number</th><th scope="col">Status</th><th scope="col">Last scan</th><th scope="col">Units</th></tr>
          </thead>
          <tbody>
            {list.value.data.map((s) => (
              <tr key={s.id}>
                <td><a href={`#/shipments/${s.id}`}>{s.id}</a></td>
                <td>{s.carrier.toUpperCase()}</td>
                <td><code>{s.tracking_number}</code></td>
                <td>{words(s.status)}</td>
                <td>{when(s.status_at)}</td>
                <td>{s.lines.reduce((n, l) => n + l.quantity, 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <button type="button" onClick={list.reload}>Refresh shipments</button>
    </section>
  );
}

/** One order: its status, lines, totals, the payment's attempts timeline and the shipments. */
export function OrderPage({ id }: { id: string }) {
  const { api } = useSession();
  const order = useLoad(async () => data((await api()).GET('/v1/orders/{id}', { params: { path: { id } } })), [id]);
  const o = order.value;
  return (
    <Page title={`Order ${id}`}>
      <p><a href="#/orders">All orders</a></p>
      <ErrorBox error={order.error} />
      {o ? (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd data-order-status>{words(o.status)}</dd>
            <dt>Created</dt>
            <dd>{when(o.created_at)}</dd>
            <dt>Customer</dt>
            <dd>{o.email ?? '—'}{o.customer_id ? <> (<code>{o.customer_id}</code>)</> : null}</dd>
            <dt>Ship to</dt>
            <dd>{address(o.shipping_address)}</dd>
            <dt>Shipping</dt>
            <dd>{o.shipping_method ? `${o.shipping_method.name}, ${money(o.shipping_method.amount, o.currency)}` : '—'}</dd>
            {o.canceled_at ? <><dt>Canceled</dt><dd>{when(o.canceled_at)}</dd></> : null}
          </dl>
          <h2>Lines</h2>
          <table>
            <thead>
              <tr><th scope="col">SKU</th><th scope="col">Item</th><th scope="col">Unit price</th><th scope="col">Quantity</th><th scope="col">Shipped</th><th scope="col">Refunded</th><th scope="col">Discount</th><th scope="col">Tax</th><th scope="col">Total</th></tr>
            </thead>
            <tbody>
              {o.lines.map((l) => (
                <tr key={l.id}>
                  <td><code>{l.sku}</code></td>
                  <td>{l.title}</td>
                  <td>{money(l.unit_amount, o.currency)}</td>
                  <td>{l.quantity}</td>
                  <td>{l.quantity_fulfilled}</td>
                  <td>{l.quantity_refunded}</td>
                  <td>{money(l.discount, o.currency)}</td>
                  <td>{money(l.tax, o.currency)}</td>
                  <td>{money(l.total, o.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Totals</h2>
          <dl class="facts">
            <dt>Subtotal</dt>
            <dd>{money(o.totals.subtotal, o.currency)}</dd>
            <dt>Discounts</dt>
            <dd>{money(o.totals.discount_total, o.currency)}</dd>
            <dt>Shipping</dt>
            <dd>{money(o.totals.shipping_total, o.currency)}</dd>
            <dt>Tax</dt>
            <dd>{money(o.totals.tax_total, o.currency)}{o.totals.tax_inclusive ? ' (included)' : ''}</dd>
            <dt>Total</dt>
            <dd><strong>{money(o.totals.total, o.currency)}</strong></dd>
            <dt>Refunded</dt>
            <dd>{money(o.amount_refunded, o.currency)}</dd>
          </dl>
          {o.payment_id ? <PaymentTimeline paymentId={o.payment_id} /> : <p>No payment recorded for this order.</p>}
          <Shipments orderId={o.id} />
        </>
      ) : null}
    </Page>
  );
}
