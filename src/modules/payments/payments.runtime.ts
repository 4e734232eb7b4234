import type { Environment } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import type { Guarded, Operation, ProcessorBreakers } from './breakers.js';
import { PaymentErrors } from './payments.errors.js';
import type { PaymentRow } from './payments.repo.js';
import type { PaymentProcessor, ProcessorResult } from './processor.js';
import type { ProcessorDirectory } from './processors.js';
import type { PaymentRouter } from './router.js';

/** What the payment use cases share: the processors of each environment, their breakers, the router. */
export interface PaymentsRuntime {
  processors: ProcessorDirectory;
  breakers: ProcessorBreakers;
  router: PaymentRouter;
}

/** The processor that holds a payment's authorization. */
export function processorOf(runtime: PaymentsRuntime, env: Environment, row: PaymentRow): { processor: PaymentProcessor; authorizationId: string } {
  const processor = row.processor ? runtime.processors.forEnv(env).get(row.processor) : undefined;
  if (!processor || !row.processor_payment_id) throw new AppError(PaymentErrors.invalidState, `Payment ${row.id} has no authorization at a processor.`);
  return { processor, authorizationId: row.processor_payment_id };
}

/** Runs a money-moving call through the breaker and turns anything but success into an AppError. */
export async function callOrThrow<T>(runtime: PaymentsRuntime, env: Environment, processor: PaymentProcessor, operation: Operation, call: () => Promise<ProcessorResult<T>>): Promise<T> {
  const result: Guarded<T> = await runtime.breakers.guarded(env, processor.name, operation, call);
  switch (result.kind) {
    case 'ok':
      return result.value;
    case 'circuit_open':
    case 'unavailable':
      throw new AppError(PaymentErrors.processorUnavailable, `${processor.name} is unavailable; nothing was done. Retry later.`);
    case 'ambiguous':
      throw new AppError(PaymentErrors.processorUnconfirmed, `${processor.name} did not confirm the ${operation} (${result.reason}). Retrying is safe.`);
    case 'declined':
      throw new AppError(PaymentErrors.processorRejected, `${processor.name} refused the ${operation}: ${result.declineCode}.`);
    case 'rejected':
      throw new AppError(PaymentErrors.processorRejected, `${processor.name} refused the ${operation}: ${result.code} (${result.reason}).`);
  }
}
