import { Type, type Static } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { modeOf, type EnvDb } from '../../platform/db/database.js';
import type { Credential } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import type { RequestLogEntry } from '../../platform/http/metering.js';
import { ListQuery, toList, type List } from '../../platform/http/pagination.js';
import { Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';
import { BillingErrors } from './billing.errors.js';
import { operatorOnly } from './plans.service.js';

/** How many requests of each partner the log keeps. */
export const REQUEST_LOG_LIMIT = 1000;
const BATCH = 200;
const FLUSH_MS = 200;

export const RequestLogSchema = Type.Object(
  {
    id: Type.String({ description: 'The request id (X-Request-Id).' }),
    object: Type.Literal('request_log'),
    partner_id: Type.String(),
    environment: StringEnum(['live', 'test']),
    client_id: Type.String(),
    method: Type.String(),
    route: Type.String({ description: 'The route template, `/v1/carts/:id/checkout`.' }),
    status: Type.Integer(),
    latency_ms: Type.Number({ minimum: 0 }),
    idempotency_key: Nullable(Type.String()),
    created_at: Timestamp,
  },
  { $id: 'RequestLog' },
);
export type RequestLog = Static<typeof RequestLogSchema>;

export const RequestLogQuery = Type.Object(
  { ...ListQuery, partner_id: Type.Optional(Type.String({ maxLength: 64, description: 'Operators: one partner.' })) },
  { additionalProperties: false },
);

interface Row {
  seq: string;
  partner_id: string;
  env: 'live' | 'test';
  client_id: string;
  method: string;
  route: string;
  status: number;
  latency_ms: number;
  request_id: string;
  idempotency_key: string | null;
  created_at: Date;
}

/**
 * The request log of partner calls. Rows are queued after the response and written in batches
 * (logs are not money: a process that dies may lose its last fraction of a second of them); each
 * batch prunes its partners' rows beyond the last 1,000.
 */
export class RequestLogs {
  private queue: RequestLogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly home: EnvDb,
    private readonly logger: Logger,
  ) {}

  record(entry: RequestLogEntry): void {
    this.queue.push(entry);
    if (this.queue.length >= BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Writes what is queued (tests and shutdown call it; a timer does otherwise). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.writing.then(() => (batch.length ? this.write(batch) : undefined)).catch((err: unknown) => this.logger.error({ err }, 'request log write failed'));
    return this.writing;
  }

  private async write(batch: readonly RequestLogEntry[]): Promise<void> {
    const col = <T>(f: (e: RequestLogEntry) => T) => batch.map(f);
    await this.home.query(
      `INSERT INTO request_logs (partner_id, env, client_id, method, route, status, latency_ms, request_id, idempotency_key, created_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::float8[], $8::text[], $9::text[], $10::timestamptz[])`,
      [col((e) => e.credential.partnerId), col((e) => modeOf(e.credential.env)), col((e) => e.credential.id), col((e) => e.method), col((e) => e.route), col((e) => e.status), col((e) => e.latencyMs), col((e) => e.requestId), col((e) => e.idempotencyKey), col((e) => e.at)],
      'request_logs_insert',
    );
    // the statement's own inserts are invisible to its subqueries: prune in a second one
    await this.home.query(
      `DELETE FROM request_logs r
        USING (SELECT p.partner_id, (SELECT l.seq FROM request_logs l WHERE l.partner_id = p.partner_id ORDER BY l.seq DESC OFFSET ${REQUEST_LOG_LIMIT} LIMIT 1) AS seq
                 FROM (SELECT DISTINCT partner_id FROM unnest($1::text[]) AS u(partner_id)) p) c
        WHERE r.partner_id = c.partner_id AND r.seq <= c.seq`,
      [[...new Set(col((e) => e.credential.partnerId))]],
      'request_logs_prune',
    );
  }

  /** A partner's own requests (its credential's environment), newest first; operators any partner's. */
  async list(caller: Credential, query: Static<typeof RequestLogQuery>): Promise<List<RequestLog>> {
    let partnerId: string | null;
    let env: 'live' | 'test' | null = null;
    if (caller.partnerId) {
      if (query.partner_id !== undefined && query.partner_id !== caller.partnerId) throw new AppError(BillingErrors.partnerNotFound, `No partner ${query.partner_id}.`);
      partnerId = caller.partnerId;
      env = modeOf(caller.env);
    } else {
      operatorOnly(caller, 'billing:read');
      partnerId = query.partner_id ?? null;
    }
    const after = query.starting_after && /^\d{1,18}$/.test(query.starting_after) ? query.starting_after : null;
    const res = await this.home.query<Row>(
      `SELECT seq::text AS seq, partner_id, env, client_id, method, route, status, latency_ms, request_id, idempotency_key, created_at
         FROM request_logs
        WHERE ($1::text IS NULL OR partner_id = $1) AND ($2::text IS NULL OR env = $2) AND ($3::bigint IS NULL OR seq < $3)
        ORDER BY request_logs.seq DESC LIMIT $4`,
      [partnerId, env, after, query.limit + 1],
      'request_logs_page',
    );
    const page = toList(res.rows, query.limit, (r) => r.seq);
    return { ...page, data: page.data.map(present) };
  }
}

function present(r: Row): RequestLog {
  return {
    id: r.request_id,
    object: 'request_log',
    partner_id: r.partner_id,
    environment: r.env,
    client_id: r.client_id,
    method: r.method,
    route: r.route,
    status: r.status,
    latency_ms: r.latency_ms,
    idempotency_key: r.idempotency_key,
    created_at: r.created_at.toISOString(),
  };
}
