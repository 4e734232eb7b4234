import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Page, when } from '../ui.js';
import { useLoad } from '../ui.js';

/** Who the credential is: a partner's own account (clients, status), or an operator's key. */
export function OverviewPage({ role }: { role: 'partner' | 'operator' | 'none' }) {
  const { api } = useSession();
  const partner = useLoad(async () => (role === 'partner' ? data((await api()).GET('/v1/partner')) : null), [role]);
  if (role !== 'partner') {
    return (
      <Page title="Overview">
        <p>Connected with an operator key. Use the navigation to manage webhook endpoints and their deliveries, place test orders and read the request log.</p>
      </Page>
    );
  }
  const p = partner.value;
  return (
    <Page title="Overview">
      <ErrorBox error={partner.error} />
      {p ? (
        <>
          <dl class="facts">
            <dt>Partner</dt>
            <dd><code>{p.id}</code> {p.name}</dd>
            <dt>Status</dt>
            <dd>{p.status === 'approved' ? `approved ${when(p.approved_at)}` : 'pending approval (sandbox only)'}</dd>
            <dt>Scopes</dt>
            <dd>{p.requested_scopes.join(', ')}</dd>
          </dl>
          <h2>OAuth clients</h2>
          <table>
            <thead>
              <tr><th scope="col">Client</th><th scope="col">Mode</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Revoked</th></tr>
            </thead>
            <tbody>
              {p.clients.map((c) => (
                <tr key={c.id}>
                  <td><code>{c.id}</code></td>
                  <td>{c.environment}</td>
                  <td>{c.scopes.join(', ')}</td>
                  <td>{when(c.created_at)}</td>
                  <td>{when(c.revoked_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Page>
  );
}
