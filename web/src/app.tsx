import { describe } from './api.js';
import { match, navigate, useRoute } from './router.js';
import { roleOf, SessionProvider, useSession } from './session.js';
import { ConnectPage } from './pages/connect.js';
import { EndpointPage } from './pages/endpoint.js';
import { ExperimentPage, ExperimentsPage } from './pages/experiments.js';
import { HealthPage } from './pages/health.js';
import { KeysPage } from './pages/keys.js';
import { ModelsPage } from './pages/models.js';
import { OrderPage } from './pages/order.js';
import { OrdersPage } from './pages/orders.js';
import { OverviewPage } from './pages/overview.js';
import { ReconciliationPage } from './pages/reconciliation.js';
import { RequestLogPage } from './pages/request-log.js';
import { SandboxPage } from './pages/sandbox.js';
import { SellersPage } from './pages/sellers.js';
import { SettlementRunPage, SettlementsPage } from './pages/settlements.js';
import { ShipmentPage } from './pages/shipment.js';
import { SignupPage } from './pages/signup.js';
import { UsagePage } from './pages/usage.js';
import { WebhooksPage } from './pages/webhooks.js';

/** The developer portal: every credential. */
const PORTAL = [
  ['/', 'Overview'],
  ['/sandbox', 'Sandbox'],
  ['/webhooks', 'Webhooks'],
  ['/requests', 'Request log'],
  ['/keys', 'Credentials'],
] as const;

/** Partners' own account pages (operators read usage per partner through the API). */
const PARTNER = [['/usage', 'Usage']] as const;

/** The operations console: operators (API keys) only. */
const CONSOLE = [
  ['/orders', 'Orders'],
  ['/sellers', 'Sellers'],
  ['/settlements', 'Settlements'],
  ['/reconciliation', 'Reconciliation'],
  ['/experiments', 'Experiments'],
  ['/models', 'Models'],
  ['/health', 'Health'],
] as const;

function Nav() {
  const { session, setSession } = useSession();
  const path = useRoute();
  if (!session) return null;
  const items = roleOf(session) === 'operator' ? [...PORTAL, ...CONSOLE] : [...PORTAL, ...PARTNER];
  return (
    <nav aria-label="Dashboard">
      <ul>
        {items.map(([href, label]) => (
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

/** `/things/:id` pages, then the fixed ones. */
const DETAIL: [string, (id: string) => preact.JSX.Element][] = [
  ['/webhooks/:id', (id) => <EndpointPage id={id} />],
  ['/orders/:id', (id) => <OrderPage id={id} />],
  ['/shipments/:id', (id) => <ShipmentPage id={id} />],
  ['/settlements/:id', (id) => <SettlementRunPage id={id} />],
  ['/experiments/:id', (id) => <ExperimentPage id={id} />],
];

const PAGES: Record<string, () => preact.JSX.Element> = {
  '/sandbox': () => <SandboxPage />,
  '/webhooks': () => <WebhooksPage />,
  '/requests': () => <RequestLogPage />,
  '/keys': () => <KeysPage />,
  '/orders': () => <OrdersPage />,
  '/sellers': () => <SellersPage />,
  '/settlements': () => <SettlementsPage />,
  '/reconciliation': () => <ReconciliationPage />,
  '/experiments': () => <ExperimentsPage />,
  '/models': () => <ModelsPage />,
  '/health': () => <HealthPage />,
  '/usage': () => <UsagePage />,
};

function Routes() {
  const { session } = useSession();
  const path = useRoute();
  if (path === '/signup') return <SignupPage />;
  if (!session) return <ConnectPage />;
  for (const [pattern, render] of DETAIL) {
    const params = match(pattern, path);
    if (params) return render(params.id!);
  }
  const page = PAGES[path.split('?')[0]!];
  return page ? page() : <OverviewPage role={roleOf(session)} />;
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
