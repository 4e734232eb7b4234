import { useState } from 'preact/hooks';
import type { Schema } from '../../../sdk/index.js';
import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Field, Page, Pager, Progress, useLoad, usePager, when } from '../ui.js';

type Delivery = Schema<'WebhookDelivery'>;

/**
 * An attempt is counted when the worker takes the delivery, and logged when it has the answer: a
 * pending delivery with more attempts than log entries is being sent right now.
 */
const sending = (d: Delivery) => d.status === 'pending' && d.attempt_log.length < d.attempts;
/** Delivered, failed for good, or waiting for a retry after a failed attempt: nothing is in flight. */
const settled = (d: Delivery) => d.status !== 'pending' || (d.attempts > 0 && !sending(d));

/** The delivery's state, for scripts and tests: delivered, failed, failing, sending or pending. */
function stateOf(d: Delivery): string {
  if (d.status === 'succeeded') return 'delivered';
  if (d.status === 'failed') return 'failed';
  if (sending(d)) return 'sending';
  return d.attempts > 0 ? 'failing' : 'pending';
}

/** What a delivery's state means to a person: retries still to come count as failing, not failed. */
export function deliveryState(d: Delivery): string {
  const state = stateOf(d);
  return state === 'failing' ? `failing, retry ${when(d.next_attempt_at)}` : state;
}

/**
 * One endpoint's delivery log, newest first: each delivery's attempts (status code, latency,
 * error), with replay of one, and replay of everything failed since a time, whose progress is
 * followed until the replays are delivered or fail.
 */
export function EndpointPage({ id }: { id: string }) {
  const { api } = useSession();
  const pager = usePager();
  const [status, setStatus] = useState<'' | Delivery['status']>('');
  const log = useLoad(
    async () => data((await api()).GET('/v1/webhook_endpoints/{id}/deliveries', { params: { path: { id }, query: { limit: 20, ...(status ? { status } : {}), ...(pager.cursor ? { starting_after: pager.cursor } : {}) } } })),
    [id, status, pager.cursor],
  );
  const [error, setError] = useState<unknown>(null);
  const [since, setSince] = useState(() => new Date(Date.now() - 86_400_000).toISOString().slice(0, 16));
  const [progress, setProgress] = useState<{ label: string; value: number; max: number } | null>(null);

  /** Polls the log until the new deliveries are settled (delivered, or failing again), showing how many are done. */
  const follow = async (ids: readonly string[]) => {
    const client = await api();
    for (let round = 0; round < 60; round++) {
      const page = await data(client.GET('/v1/webhook_endpoints/{id}/deliveries', { params: { path: { id }, query: { limit: 100 } } }));
      const mine = page.data.filter((d) => ids.includes(d.id));
      const done = mine.filter(settled).length;
      setProgress({ label: 'Replaying', value: done, max: ids.length });
      if (done >= ids.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    setProgress(null);
    log.reload();
  };

  const replayOne = async (d: Delivery) => {
    setError(null);
    try {
      const made = await data((await api()).POST('/v1/events/{id}/redeliver', { params: { path: { id: d.event_id } }, body: { endpoint_id: id } }));
      await follow(made.data.map((m) => m.id));
    } catch (err) {
      setError(err);
    }
  };

  const replayFailed = async () => {
    setError(null);
    try {
      const client = await api();
      const from = new Date(since);
      const replay = await data(client.POST('/v1/webhook_endpoints/{id}/replay', { params: { path: { id } }, body: { since: from.toISOString() } }));
      if (replay.deliveries === 0) {
        setProgress(null);
        window.alert('No failed deliveries since then.');
        return;
      }
      const page = await data(client.GET('/v1/webhook_endpoints/{id}/deliveries', { params: { path: { id }, query: { limit: 100 } } }));
      await follow(page.data.filter((d) => d.replay_of !== null && new Date(d.created_at) >= from).slice(0, replay.deliveries).map((d) => d.id));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Page title={`Deliveries of ${id}`}>
      <p><a href="#/webhooks">All endpoints</a></p>
      <ErrorBox error={error ?? log.error} />
      {progress ? <Progress {...progress} /> : null}
      <form
        aria-label="Replay failed deliveries"
        onSubmit={(e) => {
          e.preventDefault();
          void replayFailed();
        }}
      >
        <Field label="Replay all failed since" id="replay-since">
          <input id="replay-since" type="datetime-local" required value={since} onInput={(e) => setSince(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={progress !== null}>Replay failed</button>
      </form>
      <Field label="Show" id="delivery-status">
        <select
          id="delivery-status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value as typeof status);
            pager.reset();
          }}
        >
          <option value="">all deliveries</option>
          <option value="pending">pending and failing</option>
          <option value="succeeded">delivered</option>
          <option value="failed">failed</option>
        </select>
      </Field>
      <table>
        <thead>
          <tr><th scope="col">Delivery</th><th scope="col">Event</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Created</th><th scope="col">Actions</th></tr>
        </thead>
        <tbody>
          {(log.value?.data ?? []).map((d) => (
            <tr key={d.id} data-delivery={d.id} data-state={stateOf(d)}>
              <td><code>{d.id}</code>{d.replay_of ? <small> (replay of {d.replay_of})</small> : null}</td>
              <td>{d.event_type}<br /><small><code>{d.event_id}</code></small></td>
              <td>{deliveryState(d)}</td>
              <td>
                <ol class="attempts">
                  {d.attempt_log.map((a) => (
                    <li key={a.number}>{a.status_code ?? 'no answer'} in {a.latency_ms} ms{a.error ? `: ${a.error}` : ''}</li>
                  ))}
                </ol>
              </td>
              <td>{when(d.created_at)}</td>
              <td>{d.status !== 'succeeded' ? <button type="button" onClick={() => void replayOne(d)} disabled={progress !== null}>Replay</button> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={log.reload}>Refresh</button>
      <Pager page={pager.page} nextCursor={log.value?.next_cursor ?? null} onNext={pager.next} onPrevious={pager.previous} />
    </Page>
  );
}
