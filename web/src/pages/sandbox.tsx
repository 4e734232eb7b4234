import { useState } from 'preact/hooks';
import { idempotencyHeader, type Schema } from '../../../sdk/index.js';
import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Page, Progress } from '../ui.js';

/**
 * Test mode at the push of a button: a paid order from the demo store (so webhooks fire), and a
 * reset of the partner's sandbox. Every step is an ordinary API call with the session's credential.
 */
export function SandboxPage() {
  const { api, session } = useSession();
  const [step, setStep] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [order, setOrder] = useState<Schema<'Order'> | null>(null);
  const [reset, setReset] = useState<string | null>(null);

  const placeOrder = async () => {
    setError(null);
    setOrder(null);
    try {
      const client = await api();
      setStep('Finding a product');
      const products = await data(client.GET('/v1/products', { params: { query: { status: 'published', limit: 1 } } }));
      const sku = products.data[0]?.variants[0]?.sku;
      if (!sku) throw new Error('The sandbox has no published product: reset it to get the demo store back.');
      setStep('Creating a cart');
      const cart = await data(client.POST('/v1/carts', { body: { region_id: 'reg_demo_us', items: [{ sku, quantity: 1 }] } }));
      setStep('Adding an address and shipping');
      await data(client.PATCH('/v1/carts/{id}', { params: { path: { id: cart.id } }, body: { email: 'test@example.com', shipping_address: { name: 'Test Shopper', line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' } } }));
      await data(client.POST('/v1/carts/{id}/shipping', { params: { path: { id: cart.id } }, body: { option_id: 'shipopt_demo_us_standard' } }));
      setStep('Checking out with tok_visa');
      setOrder(await data(client.POST('/v1/carts/{id}/checkout', { params: { path: { id: cart.id } }, body: { payment: { token: 'tok_visa' } }, headers: idempotencyHeader() })));
    } catch (err) {
      setError(err);
    } finally {
      setStep(null);
    }
  };

  const resetSandbox = async () => {
    if (!window.confirm('Wipe every test object in your sandbox? This cannot be undone.')) return;
    setError(null);
    setStep('Resetting the sandbox');
    try {
      const done = await data((await api()).POST('/v1/test_helpers/reset', {}));
      setReset(done.reset_at);
    } catch (err) {
      setError(err);
    } finally {
      setStep(null);
    }
  };

  return (
    <Page title="Sandbox">
      <p>Test mode: nothing is charged or shipped. The demo store's region <code>reg_demo_us</code> and card token <code>tok_visa</code> are used.</p>
      <ErrorBox error={error} />
      {step ? <Progress label={step} /> : null}
      <button type="button" onClick={() => void placeOrder()} disabled={step !== null}>Place a test order</button>
      {order ? (
        <p role="status" class="ok">
          Order <code data-order-id>{order.id}</code> is <strong>{order.status}</strong>: {(order.totals.total / 100).toFixed(2)} {order.currency}.
        </p>
      ) : null}
      {session?.kind === 'partner' ? (
        <>
          <h2>Start over</h2>
          <p>Resetting wipes your sandbox's products, carts, orders, webhook endpoints and events, and brings the demo store back. Your credentials keep working.</p>
          <button type="button" class="danger" onClick={() => void resetSandbox()} disabled={step !== null}>Reset sandbox</button>
          {reset ? <p role="status" class="ok">Sandbox reset at {new Date(reset).toLocaleString()}.</p> : null}
        </>
      ) : null}
    </Page>
  );
}
