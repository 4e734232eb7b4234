import type { ProcessorAuthorization, SettlementEntry } from '../processor.js';

/** A client for an emulator's test-only `/_control/*` endpoints. */
export interface EmulatorControl {
  /** Answer 503 `processor_unavailable` to every API request while `down`. */
  outage(down: boolean): Promise<void>;
  /** Approved authorizations (captured and voided included) and how many API requests arrived. */
  authorizations(): Promise<{ count: number; requests: number; data: ProcessorAuthorization[] }>;
  /** Adds an `extra` settlement entry, or changes (`mismatch`) or removes (`drop`) a real one by reference. */
  tamper(input: { kind: 'extra' | 'mismatch' | 'drop'; reference?: string; amount_captured?: number; amount_refunded?: number; currency?: string }): Promise<SettlementEntry>;
  /** Forgets every authorization and ends an outage. */
  reset(): Promise<void>;
}

/**
 * @example
 *   const simpay = emulatorControl(emulators.simpay);
 *   await simpay.outage(true);
 *   expect((await simpay.authorizations()).count).toBe(0);
 */
export function emulatorControl(endpoint: { url: string; apiKey: string }): EmulatorControl {
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${endpoint.url}/_control/${path}`, {
      method,
      headers: { authorization: `Bearer ${endpoint.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`emulator control ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    outage: async (down) => void (await call('POST', 'outage', { down })),
    authorizations: () => call('GET', 'authorizations'),
    tamper: (input) => call('POST', 'tamper', input),
    reset: async () => void (await call('POST', 'reset', {})),
  };
}
