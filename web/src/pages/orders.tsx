import { useState } from 'preact/hooks';
import type { Schema } from '../../../sdk/index.js';
import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Field, money, Page, Pager, useLoad, usePager, when } from '../ui.js';

type Status = Schema<'Order'>['status'];

const STATUSES: readonly Status[] = ['pending', 'paid', 'partially_fulfilled', 'fulfilled', 'completed', 'canceled', 'refunded'];


/** A status code as words (`partially_fulfilled` → `partially fulfilled`). */
export const words = (code: string) => code.replace(/_/g, ' ');

/** Orders, newest first, filtered by status; each opens its detail page. */
export function OrdersPage() {
  const { api } = useSession();
  const pager = usePager();
  const [status, setStatus] = useState<'' | Status>('');
  const list = useLoad(
    async () => data((await api()).GET('/v1/orders', { params: { query: { limit: 20, ...(status ? { status } : {}), ...(pager.cursor ? { starting_after: pager.cursor } : {}) } } })),
    [status, pager.cursor],
  );
  return (
    <Page title="Orders">
      <ErrorBox error={list.error} />
      <Field label="Status" id="order-status">
        <select
          id="order-status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value as typeof status);
            pager.reset();
          }}
        >
          <option value="">all orders</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>{words(s)}</option>
          ))}
        </select>
      </Field>
      {list.value && list.value.data.length === 0 ? <p>No orders{status ? ` with status ${words(status)}` : ''}.</p> : null}
      <table>
        <thead>
          <tr><th scope="col">Order</th><th scope="col">Created</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Items</th><th scope="col">Total</th></tr>
        </thead>
        <tbody>
          {(list.value?.data ?? []).map((o) => (
            <tr key={o.id} data-order={o.id}>
              <td><a href={`#/orders/${o.id}`}>{o.id}</a></td>
              <td>{when(o.created_at)}</td>
              <td>{o.email ?? '—'}</td>
              <td>{words(o.status)}</td>
              <td>{o.lines.reduce((n, l) => n + l.quantity, 0)}</td>
              <td>{money(o.totals.total, o.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={list.reload}>Refresh</button>
      <Pager page={pager.page} nextCursor={list.value?.next_cursor ?? null} onNext={pager.next} onPrevious={pager.previous} />
    </Page>
  );
}
