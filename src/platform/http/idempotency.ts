import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';
import { AppError, Errors } from './errors.js';

/** How long a claimed key stays "in flight" before a retry may take it over (a crashed process). */
const LEASE_SECONDS = 60;
/** Response headers worth replaying; per-request ones (ids, rate limits, dates) are not. */
const REPLAYED_HEADERS = ['content-type', 'location', 'cache-control', 'tessera-version'];

interface Claim {
  db: ReturnType<Database['forEnv']>;
  credentialId: string;
  key: string;
}

const claims = new WeakMap<FastifyRequest, Claim>();

/** Parses `Idempotency-Key`: a bare token or a quoted sf-string, 1–255 characters, sent once. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (Array.isArray(header) || header.includes(',')) {
    throw new AppError(Errors.idempotencyKeyInvalid, 'Send exactly one Idempotency-Key.', [{ detail: 'Only one key is allowed.', parameter: 'Idempotency-Key' }]);
  }
  let key = header.trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
  if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new AppError(Errors.idempotencyKeyInvalid, 'Idempotency-Key must be 1–255 visible ASCII characters.', [
      { detail: 'Invalid key.', parameter: 'Idempotency-Key' },
    ]);
  }
  return key;
}

function fingerprint(request: FastifyRequest): string {
  const path = request.url.split('?')[0];
  return crypto
    .createHash('sha256')
    .update(`${request.method} ${path}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
}

/**
 * The Idempotency-Key mechanism, applied to every POST once validation has passed (so invalid
 * requests and auth failures are never stored and can be retried).
 * - First use claims the key (`in_flight`), the handler runs, and its response is stored.
 * - A retry with the same body replays that response with `Idempotent-Replayed: true`.
 * - A retry with another body gets 422; a retry while the first is running gets 409.
 * Claiming is one atomic upsert, so concurrent duplicates cannot both run the handler.
 */
export class Idempotency {
  constructor(
    private readonly db: Database,
    readonly retentionHours: number,
  ) {}

  /** preHandler: claims the key or answers from the store. Returns true when it answered. */
  async begin(request: FastifyRequest, reply: FastifyReply, required: boolean): Promise<boolean> {
    const key = parseIdempotencyKey(request.headers['idempotency-key']);
    if (key === null) {
      if (required) throw new AppError(Errors.idempotencyKeyRequired, 'This operation requires an Idempotency-Key header.');
      return false;
    }
    const credential = request.ctx.credential;
    if (!credential) return false; // public routes without a credential have no scope to store under
    request.ctx.idempotencyKey = key;
    const db = this.db.forEnv(credential.env);
    const fp = fingerprint(request);
    const claimed = await db.query(
      `INSERT INTO idempotency_keys AS k (credential_id, key, fingerprint, state, locked_until)
       VALUES ($1, $2, $3, 'in_flight', now() + make_interval(secs => $5))
       ON CONFLICT (credential_id, key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, state = 'in_flight', locked_until = EXCLUDED.locked_until,
             created_at = now(), completed_at = NULL, response_status = NULL, response_headers = NULL, response_body = NULL
         WHERE k.created_at < now() - make_interval(hours => $4)
            OR (k.state = 'in_flight' AND k.locked_until < now() AND k.fingerprint = EXCLUDED.fingerprint)
       RETURNING 1`,
      [credential.id, key, fp, this.retentionHours, LEASE_SECONDS],
      'idempotency_claim',
    );
    if (claimed.rowCount === 1) {
      claims.set(request, { db, credentialId: credential.id, key });
      return false;
    }
    const { rows } = await db.query<{ fingerprint: string; state: string; response_status: number | null; response_headers: Record<string, string> | null; response_body: string | null }>(
      `SELECT fingerprint, state, response_status, response_headers, response_body FROM idempotency_keys WHERE credential_id = $1 AND key = $2`,
      [credential.id, key],
      'idempotency_read',
    );
    const row = rows[0];
    if (!row || row.state === 'in_flight') {
      if (row && row.fingerprint !== fp) throw this.mismatch();
      throw new AppError(Errors.idempotencyKeyInUse, 'A request with this Idempotency-Key is still being processed. Retry later.', [], { 'retry-after': '1' });
    }
    if (row.fingerprint !== fp) throw this.mismatch();
    void reply
      .code(row.response_status ?? 200)
      .headers(row.response_headers ?? {})
      .header('idempotent-replayed', 'true')
      .send(row.response_body ?? '');
    return true;
  }

  private mismatch(): AppError {
    return new AppError(Errors.idempotencyKeyReused, 'This Idempotency-Key was already used with a different request (method, path or body). Use a new key.');
  }

  /** Whether this request claimed a key, so its response must be stored. */
  claimed(request: FastifyRequest): boolean {
    return claims.has(request);
  }

  /** onSend: stores the response of a request that claimed a key. */
  async complete(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
    const claim = claims.get(request);
    if (!claim) return;
    claims.delete(request);
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const v = reply.getHeader(name);
      if (v !== undefined) headers[name] = String(v);
    }
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
    await claim.db.query(
      `UPDATE idempotency_keys SET state = 'completed', response_status = $3, response_headers = $4, response_body = $5, completed_at = now()
       WHERE credential_id = $1 AND key = $2`,
      [claim.credentialId, claim.key, reply.statusCode, JSON.stringify(headers), body],
      'idempotency_complete',
    );
  }

  /** Deletes keys past the retention window in both environments. Returns how many. */
  async purgeExpired(): Promise<number> {
    let n = 0;
    for (const env of await this.db.environments()) {
      const res = await this.db.forEnv(env).query(`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`, [this.retentionHours]);
      n += res.rowCount ?? 0;
    }
    return n;
  }
}
