import type { PaymentsConfig, ProcessorEndpointConfig } from '../../config.js';
import { isSandbox, type Environment, type Mode } from '../../platform/db/database.js';
import { startEmulators, type RunningEmulators } from './emulator/index.js';
import type { PaymentProcessor, ProcessorName } from './processor.js';
import { HttpProcessor } from './processor.http.js';

/** The processors each environment talks to, by name. */
export interface ProcessorDirectory {
  /** A partner sandbox talks to test mode's processors, as an account of its own (its own books). */
  forEnv(env: Environment): ReadonlyMap<string, PaymentProcessor>;
  /** The in-process emulators this directory started, per mode (tests use their control endpoints). */
  readonly emulators: Partial<Record<Mode, RunningEmulators>>;
  /** Ends the processors' pooled connections and stops the emulators it started. */
  close(): Promise<void>;
}

/**
 * Builds the directory from configuration. Test mode always talks to in-process emulators (its
 * own pair, so its settlement reports never mix with live ones); live mode talks to
 * TESSERA_SIMPAY_URL / TESSERA_ALTPAY_URL, or to another in-process pair for what is unset.
 * Every call goes over HTTP with `config.timeoutMs`.
 * @example
 *   const processors = await openProcessorDirectory(config.payments);
 *   const payments = createPaymentsModule(deps, processors);
 *   app.addHook('onClose', () => processors.close());
 */
export async function openProcessorDirectory(config: PaymentsConfig): Promise<ProcessorDirectory> {
  const emulators: Partial<Record<Mode, RunningEmulators>> = {};
  emulators.test = await startEmulators();
  // Live money never goes to an emulator unless asked: a live checkout without processors is refused instead.
  if (config.liveEmulators && (!config.live.simpay || !config.live.altpay)) emulators.live = await startEmulators();
  const endpoints = (env: Mode): Partial<Record<ProcessorName, ProcessorEndpointConfig>> => {
    const emulated = emulators[env];
    const pick = (name: ProcessorName): ProcessorEndpointConfig | undefined => {
      const configured = env === 'live' ? config.live[name] : undefined;
      return configured ?? (emulated ? { url: emulated[name].url, apiKey: emulated[name].apiKey } : undefined);
    };
    return { simpay: pick('simpay'), altpay: pick('altpay') };
  };
  return staticDirectory({ test: endpoints('test'), live: endpoints('live') }, config.timeoutMs, emulators);
}

/** A directory over fixed endpoints (for example emulators a test started itself). */
export function staticDirectory(
  endpoints: Record<Mode, Partial<Record<string, ProcessorEndpointConfig>>>,
  timeoutMs: number,
  emulators: Partial<Record<Mode, RunningEmulators>> = {},
): ProcessorDirectory {
  const byEnv = new Map<Environment, Map<string, PaymentProcessor>>();
  const clients: HttpProcessor[] = [];
  const open = (mode: Mode, account?: string) => {
    const processors = new Map<string, PaymentProcessor>();
    for (const [name, endpoint] of Object.entries(endpoints[mode])) {
      if (!endpoint) continue;
      const client = new HttpProcessor({ name, url: endpoint.url, apiKey: endpoint.apiKey, timeoutMs, ...(account ? { account } : {}) });
      clients.push(client);
      processors.set(name, client);
    }
    return processors;
  };
  for (const mode of ['test', 'live'] as const) byEnv.set(mode, open(mode));
  return {
    forEnv: (env) => {
      let processors = byEnv.get(env);
      if (!processors && isSandbox(env)) byEnv.set(env, (processors = open('test', env)));
      return processors ?? new Map();
    },
    emulators,
    close: async () => {
      for (const client of clients) client.close();
      await Promise.all(Object.values(emulators).map((e) => e.close()));
    },
  };
}
