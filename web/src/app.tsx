import { describe } from './api.js';
import { match, navigate, useRoute } from './router.js';
import { roleOf, SessionProvider, useSession } from './session.js';
import { ConnectPage } from './pages/connect.js';
import { EndpointPage } from './pages/endpoint.js';
import { OverviewPage } from './pages/overview.js';
import { RequestLogPage } from './pages/request-log.js';
import { SandboxPage } from './pages/sandbox.js';
import { SignupPage } from './pages/signup.js';
import { WebhooksPage } from './pages/webhooks.js';

const PORTAL = [
  ['/', 'Overview'],
  ['/sandbox', 'Sandbox'],
  ['/webhooks', 'Webhooks'],
  ['/requests', 'Request log'],
] as const;

function Nav() {
  const { session, setSession } = useSession();
  const path = useRoute();
  if (!session) return null;
  return (
    <nav aria-label="Dashboard">
      <ul>
        {PORTAL.map(([href, label]) => (
          <li key={href}>
            <a href={`#${href}`} aria-current={path === href || (href !== '/' && path.startsWith(href)) ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
        <li>
          <a href="/docs" target="_blank" rel="noreferrer">API docs</a>
        </li>
      </ul>
      <p class="who">
        Connected: {describe(session)}{' '}
        <button
          type="button"
          onClick={() => {
            setSession(null);
            navigate('/');
          }}
        >
          Disconnect
        </button>
      </p>
    </nav>
  );
}

function Routes() {
  const { session } = useSession();
  const path = useRoute();
  if (path === '/signup') return <SignupPage />;
  if (!session) return <ConnectPage />;
  const endpoint = match('/webhooks/:id', path);
  if (endpoint) return <EndpointPage id={endpoint.id!} />;
  switch (path.split('?')[0]) {
    case '/sandbox':
      return <SandboxPage />;
    case '/webhooks':
      return <WebhooksPage />;
    case '/requests':
      return <RequestLogPage />;
    default:
      return <OverviewPage role={roleOf(session)} />;
  }
}

export function App() {
  return (
    <SessionProvider>
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <a class="brand" href="#/">Tessera</a>
        <Nav />
      </header>
      <main id="main" tabIndex={-1}>
        <Routes />
      </main>
    </SessionProvider>
  );
}
