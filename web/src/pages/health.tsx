import { useEffect, useState } from 'preact/hooks';
import type { Schema } from '../../../sdk/index.js';
import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Page, useLoad } from '../ui.js';

type RouteRow = Schema<'MetricsSummary'>['routes'][number];
type SortKey = 'requests' | 'p95' | 'server_error_rate' | 'client_error_rate';

const REFRESH_MS = 10_000;

const COLUMNS: { key: SortKey; label: string; value: (r: RouteRow) => number }[] = [
  { key: 'requests', label: 'Requests', value: (r) => r.requests },
  { key: 'p95', label: 'p95', value: (r) => r.latency_ms.p95 ?? -1 },
  { key: 'server_error_rate', label: '5xx rate', value: (r) => r.server_error_rate },
  { key: 'client_error_rate', label: '4xx rate', value: (r) => r.client_error_rate },
];

const percent = (ratio: number | null | undefined) => (ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(1)}%`);
const millis = (value: number | null) => (value === null ? '—' : `${value.toFixed(1)} ms`);

/** A column header that sorts the table (descending) when pressed; `aria-sort` tells which one does. */
function SortHeader({ column, sort, onSort }: { column: (typeof COLUMNS)[number]; sort: SortKey; onSort: (k: SortKey) => void }) {
  const active = column.key === sort;
  return (
    <th scope="col" aria-sort={active ? 'descending' : 'none'}>
      <button type="button" onClick={() => onSort(column.key)} aria-label={`Sort by ${column.label}`}>
        {column.label}{active ? ' ▼' : ''}
      </button>
    </th>
  );
}

/** The serving instance's own metrics: per-route traffic, latency and errors, webhook failures, cache hit ratios. */
export function HealthPage() {
  const { api } = useSession();
  const summary = useLoad(async () => data((await api()).GET('/v1/metrics/summary')), []);
  const [sort, setSort] = useState<SortKey>('p95');
  const [auto, setAuto] = useState(true);
  const reload = summary.reload;

  useEffect(() => {
    if (!auto) return undefined;
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [auto]);

  const s = summary.value;
  const column = COLUMNS.find((c) => c.key === sort) ?? COLUMNS[0]!;
  const routes = [...(s?.routes ?? [])].sort((a, b) => column.value(b) - column.value(a) || b.requests - a.requests);

  return (
    <Page title="Instance health">
      <p>
        Metrics of the API instance that answers, counted since it started ({s ? `up ${Math.round(s.uptime_seconds / 60)} min` : 'loading'}). Other instances
        keep their own.
      </p>
      <div class="toolbar">
        <button type="button" onClick={reload} disabled={summary.loading}>Refresh</button>
        <label>
          <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.currentTarget.checked)} /> Refresh every 10 s
        </label>
        <span role="status" aria-live="polite">
          {summary.loading ? ' Loading…' : s ? ` Updated ${new Date(s.generated_at).toLocaleTimeString()}` : ''}
        </span>
      </div>
      <ErrorBox error={summary.error} />
      {s ? (
        <>
          <h2>Webhooks and caches</h2>
          <dl class="facts">
            <dt>Webhook failure ratio</dt>
            <dd data-webhook-failure>
              {percent(s.webhooks.failure_ratio)} ({s.webhooks.failed_attempts} failed of {s.webhooks.attempts} delivery attempts)
            </dd>
          </dl>
          <table aria-label="Cache hit ratios">
            <thead>
              <tr><th scope="col">Cache</th><th scope="col">Hits</th><th scope="col">Misses</th><th scope="col">Hit ratio</th></tr>
            </thead>
            <tbody>
              {s.caches.map((c) => (
                <tr key={c.cache} data-cache={c.cache}>
                  <th scope="row">{c.cache}</th>
                  <td>{c.hits}</td>
                  <td>{c.misses}</td>
                  <td>{percent(c.hit_ratio)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {s.caches.length === 0 ? <p>No cache lookups yet.</p> : null}
          <h2>Routes</h2>
          <p>Latency quantiles are estimated from the histogram buckets, as Prometheus does. Sorted by {column.label}, highest first.</p>
          <table aria-label="Routes">
            <thead>
              <tr>
                <th scope="col">Route</th>
                <SortHeader column={COLUMNS[0]!} sort={sort} onSort={setSort} />
                <th scope="col">p50</th>
                <SortHeader column={COLUMNS[1]!} sort={sort} onSort={setSort} />
                <th scope="col">p99</th>
                <SortHeader column={COLUMNS[2]!} sort={sort} onSort={setSort} />
                <SortHeader column={COLUMNS[3]!} sort={sort} onSort={setSort} />
              </tr>
            </thead>
            <tbody>
              {routes.map((r) => (
                <tr key={`${r.method} ${r.route}`} data-route={`${r.method} ${r.route}`} class={r.server_error_rate > 0 ? 'bad' : undefined}>
                  <th scope="row"><code>{r.method} {r.route}</code></th>
                  <td>{r.requests}</td>
                  <td>{millis(r.latency_ms.p50)}</td>
                  <td>{millis(r.latency_ms.p95)}</td>
                  <td>{millis(r.latency_ms.p99)}</td>
                  <td>{percent(r.server_error_rate)} ({r.server_errors})</td>
                  <td>{percent(r.client_error_rate)} ({r.client_errors})</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Page>
  );
}
