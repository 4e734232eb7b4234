import { ConfigError } from '../../../config.js';
import { ProcessorEmulator, type EmulatorOptions } from './server.js';

export { ProcessorEmulator, type EmulatorOptions } from './server.js';
export { TEST_TOKENS } from './state.js';
export { emulatorControl, type EmulatorControl } from './control.js';

/** A running emulator as clients see it, plus its handle for tests (stop/start, state). */
export interface EmulatorEndpoint {
  url: string;
  apiKey: string;
  emulator: ProcessorEmulator;
}

export interface RunningEmulators {
  simpay: EmulatorEndpoint;
  altpay: EmulatorEndpoint;
  close(): Promise<void>;
}

type PerProcessor = Omit<EmulatorOptions, 'name'>;

/**
 * Starts the `simpay` and `altpay` emulators on loopback (free ports unless given), each with a
 * random Bearer key.
 * @example
 *   const emulators = await startEmulators();
 *   const simpay = new HttpProcessor({ name: 'simpay', ...emulators.simpay, timeoutMs: 5000 });
 *   await emulators.close();
 */
export async function startEmulators(options: { simpay?: PerProcessor; altpay?: PerProcessor; host?: string } = {}): Promise<RunningEmulators> {
  const simpay = new ProcessorEmulator({ host: options.host, ...options.simpay, name: 'simpay' });
  const altpay = new ProcessorEmulator({ host: options.host, ...options.altpay, name: 'altpay' });
  try {
    await simpay.start();
    await altpay.start();
  } catch (err) {
    await Promise.all([simpay.stop(), altpay.stop()]);
    throw err;
  }
  const endpoint = (e: ProcessorEmulator): EmulatorEndpoint => ({ url: e.url, apiKey: e.apiKey, emulator: e });
  return {
    simpay: endpoint(simpay),
    altpay: endpoint(altpay),
    close: async () => {
      await Promise.all([simpay.stop(), altpay.stop()]);
    },
  };
}

/**
 * `tessera emulators`: runs both emulators standalone until SIGINT/SIGTERM and prints their URLs
 * and keys, ready to paste as TESSERA_SIMPAY_URL/_KEY and TESSERA_ALTPAY_URL/_KEY.
 * Ports come from `--simpay-port`/`--altpay-port` style values (0 or absent: free ports).
 */
export async function runEmulatorsCommand(options: { simpayPort?: number; altpayPort?: number; host?: string } = {}, print: (line: string) => void = console.log): Promise<RunningEmulators> {
  for (const [flag, port] of [['--simpay-port', options.simpayPort], ['--altpay-port', options.altpayPort]] as const) {
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new ConfigError(`${flag} must be a port number (0-65535)`);
  }
  const running = await startEmulators({ host: options.host, simpay: { port: options.simpayPort }, altpay: { port: options.altpayPort } });
  print('Payment processor emulators (test tokens: see src/modules/payments/README.md):');
  print(`TESSERA_SIMPAY_URL=${running.simpay.url}`);
  print(`TESSERA_SIMPAY_KEY=${running.simpay.apiKey}`);
  print(`TESSERA_ALTPAY_URL=${running.altpay.url}`);
  print(`TESSERA_ALTPAY_KEY=${running.altpay.apiKey}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  return running;
}
