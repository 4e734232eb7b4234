import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Page, Pager, useLoad, usePager, when } from '../ui.js';

/** The partner's own last 1,000 requests, newest first (operators: every partner's). */
export function RequestLogPage() {
  const { api } = useSession();
  const pager = usePager();
  const log = useLoad(async () => data((await api()).GET('/v1/request_logs', { params: { query: { limit: 25, ...(pager.cursor ? { starting_after: pager.cursor } : {}) } } })), [pager.cursor]);
  return (
    <Page title="Request log">
      <ErrorBox error={log.error} />
      {log.value && log.value.data.length === 0 ? <p>No requests logged yet. Requests made with partner access tokens are logged.</p> : null}
      <table>
        <thead>
          <tr><th scope="col">Time</th><th scope="col">Request</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Request id</th><th scope="col">Idempotency key</th></tr>
        </thead>
        <tbody>
          {(log.value?.data ?? []).map((r) => (
            <tr key={r.id} class={r.status >= 400 ? 'bad' : undefined}>
              <td>{when(r.created_at)}</td>
              <td><code>{r.method} {r.route}</code></td>
              <td>{r.status}</td>
              <td>{r.latency_ms.toFixed(1)} ms</td>
              <td><code>{r.id}</code></td>
              <td>{r.idempotency_key ? <code>{r.idempotency_key}</code> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={log.reload}>Refresh</button>
      <Pager page={pager.page} nextCursor={log.value?.next_cursor ?? null} onNext={pager.next} onPrevious={pager.previous} />
    </Page>
  );
}
