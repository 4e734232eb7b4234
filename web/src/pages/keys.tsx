import { useState } from 'preact/hooks';
import { data } from '../api.js';
import { roleOf, useSession } from '../session.js';
import { ErrorBox, Field, Page, Pager, Secret, useAction, useLoad, usePager, when } from '../ui.js';

const OVERLAPS = [
  [0, 'now'],
  [3600, 'in 1 hour'],
  [86_400, 'in 24 hours'],
  [7 * 86_400, 'in 7 days'],
] as const;

function OverlapSelect({ id, value, onChange }: { id: string; value: number; onChange: (v: number) => void }) {
  return (
    <Field label="The old secret stops" id={id}>
      <select id={id} value={value} onChange={(e) => onChange(Number(e.currentTarget.value))}>
        {OVERLAPS.map(([s, label]) => <option key={s} value={s}>{label}</option>)}
      </select>
    </Field>
  );
}

/** Operators: the API keys of the key's mode — create, roll (with an overlap) and revoke; secrets shown once. */
function ApiKeys() {
  const { api } = useSession();
  const pager = usePager();
  const list = useLoad(async () => data((await api()).GET('/v1/api_keys', { params: { query: { limit: 20, ...(pager.cursor ? { starting_after: pager.cursor } : {}) } } })), [pager.cursor]);
  const [form, setForm] = useState({ type: 'restricted' as 'secret' | 'publishable' | 'restricted', name: '', scopes: 'catalog:read' });
  const [overlap, setOverlap] = useState(0);
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const { act, error } = useAction(list.reload);
  return (
    <>
      <ErrorBox error={error ?? list.error} />
      {secret ? <Secret label={secret.label} value={secret.value} /> : null}
      <form
        aria-label="Create an API key"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            const scopes = form.type === 'publishable' ? undefined : form.scopes.split(',').map((s) => s.trim()).filter(Boolean);
            const made = await data((await api()).POST('/v1/api_keys', { body: { type: form.type, name: form.name || undefined, ...(scopes ? { scopes } : {}) } }));
            setSecret({ label: `New ${made.type} key ${made.id}`, value: made.secret });
          });
        }}
      >
        <h2>New API key</h2>
        <Field label="Type" id="key-type">
          <select id="key-type" value={form.type} onChange={(e) => setForm({ ...form, type: e.currentTarget.value as typeof form.type })}>
            <option value="restricted">restricted (chosen scopes)</option>
            <option value="secret">secret (all scopes)</option>
            <option value="publishable">publishable (storefront)</option>
          </select>
        </Field>
        <Field label="Name" id="key-name">
          <input id="key-name" value={form.name} maxLength={200} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </Field>
        {form.type !== 'publishable' ? (
          <Field label="Scopes" id="key-scopes" hint="Comma-separated, like catalog:read, orders:write; empty for all (secret keys).">
            <input id="key-scopes" value={form.scopes} onInput={(e) => setForm({ ...form, scopes: e.currentTarget.value })} aria-describedby="key-scopes-hint" />
          </Field>
        ) : null}
        <button type="submit">Create key</button>
      </form>
      <h2>Keys</h2>
      <OverlapSelect id="key-overlap" value={overlap} onChange={setOverlap} />
      <table>
        <thead>
          <tr><th scope="col">Key</th><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Scopes</th><th scope="col">State</th><th scope="col">Actions</th></tr>
        </thead>
        <tbody>
          {(list.value?.data ?? []).map((k) => {
            const active = !k.revoked_at && (!k.expires_at || new Date(k.expires_at) > new Date());
            return (
              <tr key={k.id} data-key={k.id}>
                <td><code>{k.redacted}</code><br /><small>{k.id}</small></td>
                <td>{k.name ?? '—'}</td>
                <td>{k.type}</td>
                <td>{k.scopes.join(', ')}</td>
                <td>{k.revoked_at ? `revoked ${when(k.revoked_at)}` : k.expires_at ? `expires ${when(k.expires_at)}` : 'active'}</td>
                <td class="actions">
                  {active ? (
                    <>
                      <button type="button" onClick={() => void act(async () => {
                        const rolled = await data((await api()).POST('/v1/api_keys/{id}/roll', { params: { path: { id: k.id } }, body: { expires_in_seconds: overlap } }));
                        setSecret({ label: `Rolled ${k.id}: the new key`, value: rolled.key.secret });
                      })}>Roll</button>
                      <button type="button" class="danger" onClick={() => void act(async () => {
                        if (window.confirm(`Revoke ${k.redacted}? Requests with it stop at once.`)) await data((await api()).DELETE('/v1/api_keys/{id}', { params: { path: { id: k.id } } }));
                      })}>Revoke</button>
                    </>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Pager page={pager.page} nextCursor={list.value?.next_cursor ?? null} onNext={pager.next} onPrevious={pager.previous} />
    </>
  );
}

/** Partners: their OAuth clients — create one, roll a secret (with an overlap) or revoke. */
function OAuthClients() {
  const { api } = useSession();
  const partner = useLoad(async () => data((await api()).GET('/v1/partner')), []);
  const [overlap, setOverlap] = useState(86_400);
  const [draft, setDraft] = useState({ environment: 'test' as 'test' | 'live', scopes: '' });
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const { act, error } = useAction(partner.reload);
  return (
    <>
      <ErrorBox error={error ?? partner.error} />
      {secret ? <Secret label={secret.label} value={secret.value} /> : null}
      <p>Your first clients are issued at signup (test mode) and at approval (live mode). Create more for other deployments, roll a secret to replace it, revoke a client to stop it and every token it holds at once.</p>
      <form
        aria-label="Create an OAuth client"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            const scopes = draft.scopes.split(',').map((s) => s.trim()).filter(Boolean);
            const made = await data((await api()).POST('/v1/oauth_clients', { body: { environment: draft.environment, ...(scopes.length ? { scopes } : {}) } }));
            setSecret({ label: `Secret of the new client ${made.client.id}`, value: made.client_secret });
          });
        }}
      >
        <h2>New client</h2>
        <Field label="Mode" id="client-env">
          <select id="client-env" value={draft.environment} onChange={(e) => setDraft({ ...draft, environment: e.currentTarget.value as 'test' | 'live' })}>
            <option value="test">test (your sandbox)</option>
            <option value="live">live (after approval)</option>
          </select>
        </Field>
        <Field label="Client scopes" id="client-scopes" hint="Comma-separated; empty for all your scopes.">
          <input id="client-scopes" value={draft.scopes} onInput={(e) => setDraft({ ...draft, scopes: e.currentTarget.value })} aria-describedby="client-scopes-hint" />
        </Field>
        <button type="submit">Create client</button>
      </form>
      <OverlapSelect id="client-overlap" value={overlap} onChange={setOverlap} />
      <table>
        <thead>
          <tr><th scope="col">Client</th><th scope="col">Mode</th><th scope="col">Scopes</th><th scope="col">State</th><th scope="col">Actions</th></tr>
        </thead>
        <tbody>
          {(partner.value?.clients ?? []).map((c) => (
            <tr key={c.id}>
              <td><code>{c.id}</code></td>
              <td>{c.environment}</td>
              <td>{c.scopes.join(', ')}</td>
              <td>{c.revoked_at ? `revoked ${when(c.revoked_at)}` : 'active'}</td>
              <td class="actions">
                {c.revoked_at ? null : (
                  <>
                    <button type="button" onClick={() => void act(async () => {
                      const rolled = await data((await api()).POST('/v1/oauth_clients/{id}/rotate_secret', { params: { path: { id: c.id } }, body: { expires_in_seconds: overlap } }));
                      setSecret({ label: `New secret of ${c.id}`, value: rolled.client_secret });
                    })}>Roll secret</button>
                    <button type="button" class="danger" onClick={() => void act(async () => {
                      if (window.confirm(`Revoke ${c.id}? Its tokens stop at once, including this dashboard's if it uses them.`)) await data((await api()).POST('/v1/oauth_clients/{id}/revoke', { params: { path: { id: c.id } } }));
                    })}>Revoke</button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function KeysPage() {
  const { session } = useSession();
  return (
    <Page title={roleOf(session) === 'partner' ? 'OAuth clients' : 'API keys'}>
      {roleOf(session) === 'partner' ? <OAuthClients /> : <ApiKeys />}
    </Page>
  );
}
