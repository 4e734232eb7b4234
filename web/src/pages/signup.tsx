import { useState } from 'preact/hooks';
import type { Schema } from '../../../sdk/index.js';
import { data, exchange, publicApi } from '../api.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';
import { ErrorBox, Field, Page, Secret } from '../ui.js';

/** Scopes a partner commonly needs, offered as checkboxes (the API accepts any `resource:read|write`). */
const SCOPES = [
  ['catalog:read', 'Read the catalog'],
  ['carts:write', 'Create and change carts'],
  ['checkout:write', 'Check out'],
  ['orders:read', 'Read orders'],
  ['webhooks:write', 'Manage webhook endpoints and replays'],
  ['webhooks:read', 'Read webhook endpoints and deliveries'],
  ['events:read', 'Read events'],
  ['catalog:write', 'Create and change products (sellers)'],
] as const;

type SignedUp = { partner: Schema<'Partner'>; credentials: { client_id: string; client_secret: string; environment: string; scopes: string[] } };

export function SignupPage() {
  const { setSession } = useSession();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<SignedUp | null>(null);
  const [form, setForm] = useState({ name: '', email: '', kind: 'integrator' as 'integrator' | 'seller', scopes: new Set<string>(['catalog:read', 'carts:write', 'checkout:write', 'orders:read', 'webhooks:write', 'webhooks:read', 'events:read']) });

  if (done) {
    return (
      <Page title="Your sandbox is ready">
        <p>Partner <code>{done.partner.id}</code> has test-mode credentials for its own sandbox, seeded with the demo store. Live credentials follow an operator's approval.</p>
        <dl>
          <dt>Client id</dt>
          <dd><code data-client-id>{done.credentials.client_id}</code></dd>
          <dt>Scopes</dt>
          <dd>{done.credentials.scopes.join(', ')}</dd>
        </dl>
        <Secret label="Client secret" value={done.credentials.client_secret} />
        <ErrorBox error={error} />
        <button
          type="button"
          onClick={() => {
            setError(null);
            exchange(done.credentials.client_id, done.credentials.client_secret).then((s) => {
              setSession(s);
              navigate('/');
            }, setError);
          }}
        >
          Continue to the dashboard
        </button>
      </Page>
    );
  }

  return (
    <Page title="Sign up as a partner">
      <ErrorBox error={error} />
      <form
        aria-label="Partner signup"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          data(publicApi().POST('/v1/partners', { body: { name: form.name, email: form.email, kind: form.kind, scopes: [...form.scopes] } }))
            .then((r) => setDone(r as SignedUp), setError)
            .finally(() => setBusy(false));
        }}
      >
        <Field label="Company or app name" id="signup-name">
          <input id="signup-name" required maxLength={200} value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </Field>
        <Field label="Email" id="signup-email">
          <input id="signup-email" type="email" required value={form.email} onInput={(e) => setForm({ ...form, email: e.currentTarget.value })} />
        </Field>
        <fieldset>
          <legend>Kind</legend>
          {(['integrator', 'seller'] as const).map((kind) => (
            <label key={kind}>
              <input type="radio" name="kind" value={kind} checked={form.kind === kind} onChange={() => setForm({ ...form, kind })} /> {kind === 'integrator' ? 'App integrator' : 'Marketplace seller'}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map(([scope, label]) => (
            <label key={scope}>
              <input
                type="checkbox"
                value={scope}
                checked={form.scopes.has(scope)}
                onChange={(e) => {
                  const scopes = new Set(form.scopes);
                  if (e.currentTarget.checked) scopes.add(scope);
                  else scopes.delete(scope);
                  setForm({ ...form, scopes });
                }}
              />{' '}
              {label} <code>{scope}</code>
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>{busy ? 'Signing up…' : 'Sign up'}</button>
      </form>
    </Page>
  );
}
