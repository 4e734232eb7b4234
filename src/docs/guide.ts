import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { CANONICAL_STATUSES } from '../modules/fulfillment/carriers/carrier.js';
import { carrierAdapters } from '../modules/fulfillment/carriers/index.js';
import { API_VERSIONS, DEPRECATED_VERSIONS, LATEST_VERSION } from '../platform/http/versioning.js';

/**
 * The guide at the top of `/docs` (the OpenAPI `info.description`, Markdown rendered by Swagger UI):
 * `guide.md` (copied next to this module by the build), with its `{{placeholders}}` filled from
 * the configuration and the code itself, so the numbers, versions and carrier codes it shows are
 * the ones this server uses. test/docs.test.ts checks the rest against the code.
 */
const GUIDE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'guide.md');

function duration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
  return `${seconds} s`;
}

/** "second", "hour", "10 minutes": the window of a rate, after "per". */
function per(seconds: number): string {
  const one: Record<number, string> = { 1: 'second', 60: 'minute', 3600: 'hour', 86_400: 'day' };
  return one[seconds] ?? duration(seconds);
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const millis = (ms: number) => (ms % 1000 === 0 ? duration(ms / 1000) : `${ms} ms`);

function versionsTable(): string {
  const rows = [...API_VERSIONS].reverse().map((v) => {
    const d = DEPRECATED_VERSIONS[v];
    const status = v === LATEST_VERSION ? 'current' : d ? `deprecated ${day(d.deprecation)}, sunset ${day(d.sunset)}` : 'supported';
    return `| \`${v}\` | ${status} |`;
  });
  return ['| version | status |', '|---|---|', ...rows].join('\n');
}

/** Every emulated carrier: its ordinary journey (what `advance` sends) and each raw code by canonical status. */
function carrierCodes(): string {
  const rows = Object.values(carrierAdapters).map((a) => {
    const byStatus = new Map<string, string[]>();
    for (const [code, status] of Object.entries(a.table)) byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    const codes = CANONICAL_STATUSES.flatMap((status) => (byStatus.has(status) ? [[status, byStatus.get(status)!] as const] : [])).map(([status, list]) => `${status}: ${list.map((c) => `\`${c}\``).join(' ')}`).join('; ');
    return `| \`${a.code}\` (${a.name}) | ${a.journey.map((c) => `\`${c}\``).join(' → ')} | ${codes} |`;
  });
  return ['| carrier | journey (`advance` without `raw_code`) | raw codes → canonical status |', '|---|---|---|', ...rows].join('\n');
}

/** The guide's Markdown for this configuration. */
export function apiGuide(config: Config): string {
  const values: Record<string, string> = {
    version: LATEST_VERSION,
    versions_table: versionsTable(),
    rate_limit: `${config.rateLimit.quota} requests per ${per(config.rateLimit.windowSeconds)}`,
    signup_limit: `${config.oauth.signupRateLimit.quota} signups per ${per(config.oauth.signupRateLimit.windowSeconds)}`,
    token_ttl: String(config.oauth.tokenTtlSeconds),
    signing_key_max_age: duration(config.oauth.signingKeyMaxAgeSeconds),
    idempotency_hours: String(config.idempotencyRetentionHours),
    event_retention_days: String(config.events.retentionDays),
    webhook_timeout: millis(config.webhooks.timeoutMs),
    test_private_webhooks: config.webhooks.testAllowPrivate ? ' and loopback or private addresses, so a receiver on your machine works' : ' (loopback and private addresses are refused, as in live mode)',
    simulate_timeout: millis(config.simulateTimeoutMs),
    sandbox_products: String(config.sandbox.seedProducts),
    carrier_codes: carrierCodes(),
  };
  return fs.readFileSync(GUIDE, 'utf8').replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`src/docs/guide.md: unknown placeholder ${whole}`);
    return value;
  });
}
