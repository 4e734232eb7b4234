import { useState } from 'preact/hooks';
import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Field, Page, Pager, Secret, useAction, useLoad, usePager, when } from '../ui.js';

/** Webhook endpoints: create one (its secret is shown once), rotate its secret, send a test event. */
export function WebhooksPage() {
  const { api } = useSession();
  const pager = usePager();
  const list = useLoad(async () => data((await api()).GET('/v1/webhook_endpoints', { params: { query: { limit: 20, ...(pager.cursor ? { starting_after: pager.cursor } : {}) } } })), [pager.cursor]);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState('*');
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction(list.reload);
  const error = action.error;
  const act = (fn: () => Promise<void>) => {
    setNotice(null);
    return action.act(fn);
  };

  return (
    <Page title="Webhook endpoints">
      <ErrorBox error={error ?? list.error} />
      {secret ? <Secret label={secret.label} value={secret.value} /> : null}
      {notice ? <p role="status" class="ok">{notice}</p> : null}
      <form
        aria-label="Create a webhook endpoint"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            const made = await data((await api()).POST('/v1/webhook_endpoints', { body: { url: url.trim(), enabled_events: events.split(',').map((s) => s.trim()).filter(Boolean) } }));
            setSecret({ label: `Signing secret of ${made.id}`, value: made.secret ?? '' });
            setUrl('');
          });
        }}
      >
        <h2>New endpoint</h2>
        <Field label="URL" id="endpoint-url" hint="Where deliveries are POSTed (test mode also allows http and local addresses).">
          <input id="endpoint-url" type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} aria-describedby="endpoint-url-hint" />
        </Field>
        <Field label="Events" id="endpoint-events" hint="Comma-separated: exact types, prefix.* or * for all.">
          <input id="endpoint-events" required value={events} onInput={(e) => setEvents(e.currentTarget.value)} aria-describedby="endpoint-events-hint" />
        </Field>
        <button type="submit">Create endpoint</button>
      </form>
      <h2>Endpoints</h2>
      {list.value && list.value.data.length === 0 ? <p>No endpoints yet.</p> : null}
      <table>
        <thead>
          <tr><th scope="col">Endpoint</th><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Failing since</th><th scope="col">Actions</th></tr>
        </thead>
        <tbody>
          {(list.value?.data ?? []).map((e) => (
            <tr key={e.id}>
              <td><a href={`#/webhooks/${e.id}`}>{e.id}</a></td>
              <td>{e.url}</td>
              <td>{e.enabled_events.join(', ')}</td>
              <td>{e.status}{e.disabled_reason ? ` (${e.disabled_reason})` : ''}</td>
              <td>{when(e.failing_since)}</td>
              <td class="actions">
                <button type="button" onClick={() => void act(async () => void setNotice(`Test event sent: delivery ${(await data((await api()).POST('/v1/webhook_endpoints/{id}/test', { params: { path: { id: e.id } } }))).id}.`))}>
                  Send test event
                </button>
                <button
                  type="button"
                  onClick={() =>
                    void act(async () => {
                      const rotated = await data((await api()).POST('/v1/webhook_endpoints/{id}/rotate_secret', { params: { path: { id: e.id } }, body: { expires_in_seconds: 86_400 } }));
                      setSecret({ label: `New signing secret of ${e.id} (the old one works for 24 hours)`, value: rotated.secret ?? '' });
                    })
                  }
                >
                  Rotate secret
                </button>
                <button
                  type="button"
                  onClick={() =>
                    void act(async () => {
                      const status = e.status === 'enabled' ? 'disabled' : 'enabled';
                      await data((await api()).PATCH('/v1/webhook_endpoints/{id}', { params: { path: { id: e.id } }, body: { status } }));
                      setNotice(`${e.id} is ${status}.`);
                    })
                  }
                >
                  {e.status === 'enabled' ? 'Disable' : 'Enable'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager page={pager.page} nextCursor={list.value?.next_cursor ?? null} onNext={pager.next} onPrevious={pager.previous} />
    </Page>
  );
}
