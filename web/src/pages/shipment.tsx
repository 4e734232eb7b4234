import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Page, useLoad, when } from '../ui.js';
import { words } from './orders.js';

/** A shipment and its canonical tracking timeline: every carrier scan, oldest first, with the carrier's own code. */
export function ShipmentPage({ id }: { id: string }) {
  const { api } = useSession();
  const loaded = useLoad(async () => {
    const client = await api();
    const [shipment, tracking] = await Promise.all([
      data(client.GET('/v1/shipments/{id}', { params: { path: { id } } })),
      data(client.GET('/v1/shipments/{id}/tracking', { params: { path: { id } } })),
    ]);
    return { shipment, tracking };
  }, [id]);
  const s = loaded.value?.shipment;
  const events = loaded.value?.tracking.events ?? [];
  return (
    <Page title={`Shipment ${id}`}>
      {s ? <p><a href={`#/orders/${s.order_id}`}>Order {s.order_id}</a></p> : null}
      <ErrorBox error={loaded.error} />
      {s ? (
        <dl class="facts">
          <dt>Status</dt>
          <dd data-shipment-status>{words(s.status)}{s.raw_code ? <> (carrier code <code>{s.raw_code}</code>)</> : null}</dd>
          <dt>Carrier</dt>
          <dd>{s.carrier.toUpperCase()}</dd>
          <dt>Tracking number</dt>
          <dd><code>{s.tracking_number}</code></dd>
          <dt>Last scan</dt>
          <dd>{when(s.status_at)}</dd>
          <dt>Delivered</dt>
          <dd>{when(s.delivered_at)}</dd>
          <dt>Ships from</dt>
          <dd><code>{s.location_id}</code>{s.seller_id ? <> for seller <code>{s.seller_id}</code></> : null}</dd>
          <dt>Units</dt>
          <dd>{s.lines.map((l) => `${l.quantity} × ${l.line_id}`).join(', ')}</dd>
        </dl>
      ) : null}
      <h2>Tracking</h2>
      {loaded.value && events.length === 0 ? <p>No scans from the carrier yet.</p> : null}
      <table aria-label="Tracking timeline">
        <thead>
          <tr><th scope="col">Scanned</th><th scope="col">Status</th><th scope="col">Carrier code</th><th scope="col">Carrier message</th><th scope="col">Location</th><th scope="col">Received</th></tr>
        </thead>
        <tbody>
          {events.map((e, i) => (
            <tr key={i} data-status={e.status} class={e.status === 'unknown' || e.status === 'delivery_failed' || e.status === 'return_to_sender' ? 'bad' : undefined}>
              <td>{when(e.occurred_at)}</td>
              <td>{words(e.status)}</td>
              <td><code>{e.raw_code}</code></td>
              <td>{e.raw_message}</td>
              <td>{e.location ?? '—'}</td>
              <td>{when(e.received_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={loaded.reload}>Refresh</button>
    </Page>
  );
}
