import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { isSandbox, MODES, type Database, type Environment, type Mode } from '../../platform/db/database.js';
import type { IdGenerator } from '../../platform/crypto/ids.js';
import { AppError } from '../../platform/http/errors.js';
import { jobContext } from '../../platform/http/module.js';
import { EnvironmentLoop } from '../../platform/jobs/loop.js';
import { CARRIERS, MalformedPayloadError, type CanonicalStatus, type CarrierCode, type RawScan } from './carriers/carrier.js';
import { adapterFor } from './carriers/index.js';
import { FulfillmentErrors } from './fulfillment.errors.js';
import * as repo from './fulfillment.repo.js';
import type { ShipmentsService } from './shipments.service.js';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Carrier tracking webhooks: verified and stored as received (so the carrier gets its 2xx at
 * once), then parsed, normalised and applied in the background, idempotently per scan.
 */
export class CarrierIntake {
  private readonly secrets: Record<Mode, Partial<Record<CarrierCode, string>>>;
  private readonly unknownCodes: Counter<'carrier'>;
  private readonly received: Counter<'carrier' | 'result'>;
  private readonly background: EnvironmentLoop;

  constructor(
    private readonly deps: { db: Database; ids: IdGenerator; now: () => Date; logger: Logger; registry: Registry; pollMs: number },
    configured: Partial<Record<Mode, Partial<Record<string, string>>>>,
    private readonly shipments: ShipmentsService,
  ) {
    const test: Partial<Record<CarrierCode, string>> = {};
    for (const c of CARRIERS) test[c] = configured.test?.[c] ?? crypto.randomBytes(24).toString('base64url');
    const live: Partial<Record<CarrierCode, string>> = {};
    for (const c of CARRIERS) if (configured.live?.[c]) live[c] = configured.live[c];
    this.secrets = { test, live };
    this.unknownCodes = new Counter({ name: 'tessera_carrier_unknown_codes_total', help: 'Carrier scans whose raw code no table knows (stored as `unknown`), by carrier.', labelNames: ['carrier'], registers: [deps.registry] });
    this.background = new EnvironmentLoop('carriers.intake', () => deps.db.environments(), (env) => this.runOnce(env), deps.pollMs, deps.logger);
    this.received = new Counter({ name: 'tessera_carrier_webhooks_total', help: 'Carrier webhooks received, by carrier and result (accepted, bad_signature).', labelNames: ['carrier', 'result'], registers: [deps.registry] });
  }

  /** The secret a carrier signs `env`'s webhooks with (the emulators sign with it). */
  secretFor(env: Mode, carrier: CarrierCode): string | undefined {
    return this.secrets[env][carrier];
  }

  /**
   * Verifies the carrier's signature (the secret it matches tells the environment: each has its
   * own), stores the raw body and answers. 401 on a bad signature, 404 for an unknown carrier.
   * A test-mode webhook naming a partner `sandbox` (its carrier account's webhook URL) goes to that sandbox.
   */
  async receive(carrierName: string, body: string, headers: Headers, sandbox?: string): Promise<{ object: 'carrier_webhook'; id: string }> {
    const adapter = adapterFor(carrierName);
    if (!adapter) throw new AppError(FulfillmentErrors.unknownCarrier, `No carrier "${carrierName}"; carriers are ${CARRIERS.join(', ')}.`);
    const now = this.deps.now();
    const mode = MODES.find((e) => {
      const secret = this.secrets[e][adapter.code];
      return secret !== undefined && adapter.verify(body, headers, secret, now);
    });
    if (!mode) {
      this.received.inc({ carrier: adapter.code, result: 'bad_signature' });
      throw new AppError(FulfillmentErrors.invalidCarrierSignature, `The ${adapter.name} signature does not verify.`);
    }
    let env: Environment = mode;
    if (sandbox !== undefined) {
      if (mode !== 'test' || !isSandbox(sandbox) || !(await this.deps.db.environments()).includes(sandbox)) {
        throw new AppError(FulfillmentErrors.unknownSandbox, `No sandbox ${sandbox} receives ${adapter.name} test webhooks.`);
      }
      env = sandbox;
    }
    const id = this.deps.ids('cwh');
    const db = this.deps.db.forEnv(env);
    await repo.insertWebhook(db, id, adapter.code, body, now);
    this.received.inc({ carrier: adapter.code, result: 'accepted' });
    db.afterCommit(() => this.background.wakeSoon(20)); // a burst of webhooks is processed as one batch
    return { object: 'carrier_webhook', id };
  }

  /**
   * Processes a batch of stored webhooks of `env` in one transaction, in bulk: their scans stored
   * once each per carrier, the touched shipments brought up to date together, and the webhooks
   * marked processed in one statement. Returns how many webhooks it took.
   */
  async runOnce(env: Environment): Promise<number> {
    const ctx = jobContext(this.deps, env);
    return ctx.db.transaction(async (tx) => {
      const batch = await repo.claimWebhooks(tx, 200);
      const outcomes: { id: string; scans: number; error: string | null }[] = [];
      const byCarrier = new Map<CarrierCode, (RawScan & { status: CanonicalStatus })[]>();
      for (const w of batch) {
        const adapter = adapterFor(w.carrier);
        if (!adapter) {
          outcomes.push({ id: w.id, scans: 0, error: `no carrier ${w.carrier}` });
          continue;
        }
        let scans: RawScan[];
        try {
          scans = adapter.parse(w.body);
        } catch (err) {
          if (!(err instanceof MalformedPayloadError)) throw err;
          this.deps.logger.warn({ carrier: w.carrier, webhook_id: w.id, err }, 'carrier webhook unreadable; kept, not applied');
          outcomes.push({ id: w.id, scans: 0, error: err.message.slice(0, 500) });
          continue;
        }
        const normalised = scans.map((sc) => ({ ...sc, status: adapter.normalize(sc.rawCode) }));
        for (const sc of normalised) {
          if (sc.status !== 'unknown') continue;
          this.unknownCodes.inc({ carrier: adapter.code });
          this.deps.logger.warn({ carrier: adapter.code, raw_code: sc.rawCode, tracking_number: sc.trackingNumber }, 'unknown carrier code; stored as unknown');
        }
        byCarrier.set(adapter.code, [...(byCarrier.get(adapter.code) ?? []), ...normalised]);
        outcomes.push({ id: w.id, scans: scans.length, error: null });
      }
      for (const [carrier, scans] of byCarrier) {
        const touched = await repo.insertScans(tx, carrier, scans, ctx.now());
        await this.shipments.refresh(ctx, tx, carrier, touched);
      }
      await repo.markProcessed(tx, outcomes, ctx.now());
      return batch.length;
    });
  }

  /** Processes until nothing is left (tests). */
  drain(): Promise<number> {
    return this.background.drain();
  }

  start(): void {
    this.background.start();
  }

  stop(): Promise<void> {
    return this.background.stop();
  }
}
