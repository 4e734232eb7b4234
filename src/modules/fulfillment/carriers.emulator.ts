import { isSandbox, modeOf, type Environment, type Mode } from '../../platform/db/database.js';
import type { CarrierAdapter, CarrierCode, RawScan } from './carriers/carrier.js';
import { adapterFor } from './carriers/index.js';

/**
 * The emulated carriers' sending side: a scan rendered in the carrier's own format, signed its
 * own way, and POSTed over real HTTP to Tessera's carrier webhook route, exactly as the carrier
 * would. Test mode only (`POST /v1/test_helpers/shipments/:id/advance`).
 */
export class CarrierEmulator {
  private scans = 0;

  constructor(
    /** Tessera's own base URL, where the carriers post (set once the server listens). */
    private target: string,
    private readonly secretFor: (env: Mode, carrier: CarrierCode) => string | undefined,
    private readonly now: () => Date,
  ) {}

  setTarget(url: string): void {
    this.target = url.replace(/\/$/, '');
  }

  /** The next code of the carrier's ordinary journey after the codes already sent (the last one again at the end). */
  static nextCode(adapter: CarrierAdapter, sent: readonly string[]): string {
    const seen = new Set(sent);
    return adapter.journey.find((c) => !seen.has(c)) ?? adapter.journey[adapter.journey.length - 1]!;
  }

  /**
   * Sends one scan for `trackingNumber` as `carrier`; returns it and Tessera's HTTP answer. A
   * partner sandbox's carrier account posts to its own webhook URL (`?sandbox=`), signed with test mode's secret.
   */
  async send(env: Environment, carrier: CarrierCode, trackingNumber: string, rawCode: string, rawMessage: string, occurredAt = this.now()): Promise<{ scan: RawScan; status: number }> {
    const adapter = adapterFor(carrier);
    const secret = this.secretFor(modeOf(env), carrier);
    if (!adapter || !secret) throw new Error(`no emulated ${carrier} for ${env} mode`);
    const scan: RawScan = { scanId: `emu_${carrier}_${Date.now().toString(36)}_${++this.scans}`, trackingNumber, rawCode, rawMessage, occurredAt, location: 'Emulated hub' };
    const body = adapter.render([scan]);
    const res = await fetch(`${this.target}/v1/carriers/${carrier}/webhooks${isSandbox(env) ? `?sandbox=${env}` : ''}`, {
      method: 'POST',
      headers: { ...adapter.sign(body, secret, this.now()), 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return { scan, status: res.status };
  }
}
