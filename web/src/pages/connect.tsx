import { useState } from 'preact/hooks';
import { exchange } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Field, Page } from '../ui.js';

/** Connect with what the API itself issues: an API key, or a partner's OAuth client id and secret. */
export function ConnectPage() {
  const { setSession } = useSession();
  const [error, setError] = useState<unknown>(null);
  const [key, setKey] = useState('');
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  return (
    <Page title="Connect">
      <p>The dashboard uses only the public API, with your credential. New here? <a href="#/signup">Sign up as a partner</a> and get sandbox credentials at once.</p>
      <ErrorBox error={error} />
      <form
        aria-label="Connect with an API key"
        onSubmit={(e) => {
          e.preventDefault();
          setSession({ kind: 'key', token: key.trim() });
        }}
      >
        <h2>Operators: an API key</h2>
        <Field label="API key" id="api-key" hint="sk_live_…, sk_test_… or rk_…; kept in this tab only.">
          <input id="api-key" type="password" autoComplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} aria-describedby="api-key-hint" />
        </Field>
        <button type="submit">Connect</button>
      </form>
      <form
        aria-label="Connect with partner credentials"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          exchange(clientId.trim(), secret.trim()).then(setSession, setError);
        }}
      >
        <h2>Partners: OAuth client credentials</h2>
        <Field label="Client id" id="client-id">
          <input id="client-id" autoComplete="off" required value={clientId} onInput={(e) => setClientId(e.currentTarget.value)} />
        </Field>
        <Field label="Client secret" id="client-secret">
          <input id="client-secret" type="password" autoComplete="off" required value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
        </Field>
        <button type="submit">Get a token and connect</button>
      </form>
    </Page>
  );
}
