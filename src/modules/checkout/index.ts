import type { Logger } from 'pino';
import type { ModuleDeps } from '../../platform/http/module.js';
import { CheckoutMetrics } from './checkout.metrics.js';
import { checkoutRoutes } from './checkout.routes.js';
import { CheckoutService } from './checkout.service.js';

export { CheckoutService } from './checkout.service.js';
export type { CheckoutPaymentsPort, CheckoutPromotionsPort, CheckoutExperimentsPort, AuthorizationOutcome } from './checkout.ports.js';

/** The checkout module: the steps from cart to order, with their undos. It owns no tables. */
export function createCheckoutModule(deps: ModuleDeps & { logger: Logger }, parts: ConstructorParameters<typeof CheckoutService>[1]) {
  const checkout = new CheckoutService(deps, parts, new CheckoutMetrics(deps.metrics.registry));
  return { checkout, schemas: [], routes: checkoutRoutes(deps, checkout) };
}
