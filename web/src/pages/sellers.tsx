import { useState } from 'preact/hooks';
import type { Schema } from '../../../sdk/index.js';
import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Field, money, Page, Pager, Progress, useLoad, usePager, when } from '../ui.js';

type Seller = Schema<'Seller'>;
type Balance = Schema<'SellerBalance'>['balances'];

const STATUS: Record<Seller['status'], string> = { pending: 'pending activation', active: 'active', suspended: 'suspended' };

/** A balance as a person reads it: one line per currency, or none yet. */
function Amounts({ balances, field }: { balances: Balance | undefined; field: 'pending' | 'available' }) {
  if (!balances) return <>…</>;
  if (balances.length === 0) return <>—</>;
  return <>{balances.map((b) => <div key={b.currency}>{money(b[field], b.currency)}</div>)}</>;
}

/** The seller's commission overrides in words; the platform's rate applies to what is not overridden. */
function commissionOf(c: Seller['commission']): string {
  const parts = [
    c.rate_ppm !== undefined ? `${c.rate_ppm / 10_000} %` : null,
    c.category_rates_ppm && Object.keys(c.category_rates_ppm).length > 0 ? `${Object.keys(c.category_rates_ppm).length} category rates` : null,
    c.fixed_fee_per_order !== undefined ? `${c.fixed_fee_per_order} minor units per order` : null,
    c.minimum_fee !== undefined ? `minimum ${c.minimum_fee} minor units` : null,
  ].filter(Boolean);
  return parts.length === 0 ? 'platform default' : parts.join(', ');
}

/**
 * The marketplace's sellers, with their status and balances: pending (sold, not yet released
 * after delivery and the hold period) and available (to be paid by the next settlement).
 */
export function SellersPage() {
  const { api } = useSession();
  const pager = usePager();
  const [status, setStatus] = useState<'' | Seller['status']>('');
  const list = useLoad(async () => {
    const client = await api();
    const page = await data(client.GET('/v1/sellers', { params: { query: { limit: 20, ...(status ? { status } : {}), ...(pager.cursor ? { starting_after: pager.cursor } : {}) } } }));
    // the list has no balances: each seller's is its own call
    const balances = await Promise.all(page.data.map(async (s) => (await data(client.GET('/v1/sellers/{id}/balance', { params: { path: { id: s.id } } }))).balances));
    return { page, balances: new Map(page.data.map((s, i) => [s.id, balances[i]])) };
  }, [status, pager.cursor]);
  const sellers = list.value?.page;

  return (
    <Page title="Sellers">
      <ErrorBox error={list.error} />
      <Field label="Show" id="seller-status">
        <select
          id="seller-status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value as typeof status);
            pager.reset();
          }}
        >
          <option value="">all sellers</option>
          <option value="pending">pending activation</option>
          <option value="active">active</option>
          <option value="suspended">suspended</option>
        </select>
      </Field>
      {list.loading ? <Progress label="Loading sellers and balances" /> : null}
      {sellers && sellers.data.length === 0 ? <p>No sellers{status ? ` ${STATUS[status]}` : ''}.</p> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Seller</th><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Pending</th><th scope="col">Available</th>
            <th scope="col">Payout account</th><th scope="col">Commission</th><th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {(sellers?.data ?? []).map((s) => (
            <tr key={s.id} data-seller={s.id} class={s.status === 'suspended' ? 'bad' : undefined}>
              <td>{s.name}<br /><small><code>{s.id}</code></small></td>
              <td>{s.email}</td>
              <td>{STATUS[s.status]}</td>
              <td><Amounts balances={list.value?.balances.get(s.id)} field="pending" /></td>
              <td><Amounts balances={list.value?.balances.get(s.id)} field="available" /></td>
              <td>{s.payout_details ? `${s.payout_details.account_holder}, ${s.payout_details.type === 'iban' ? 'IBAN' : 'account'} ending ${s.payout_details.last4}` : 'none on file'}</td>
              <td>{commissionOf(s.commission)}</td>
              <td>{when(s.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={list.reload}>Refresh</button>
      <Pager page={pager.page} nextCursor={sellers?.next_cursor ?? null} onNext={pager.next} onPrevious={pager.previous} />
    </Page>
  );
}
