import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CacheTtl } from '../../config.js';

/** Response headers that make a shared cache key its entries by credential and version. */
export const VARY = 'Authorization, Tessera-Version, Accept-Encoding';

/** A strong ETag over the exact bytes sent. */
export function strongEtag(body: string | Buffer): string {
  return `"${crypto.createHash('sha1').update(body).digest('base64url')}"`;
}

export function cacheControl(ttl: CacheTtl): string {
  return `public, max-age=${ttl.maxAge}, s-maxage=${ttl.sMaxAge}, stale-while-revalidate=${ttl.staleWhileRevalidate}`;
}

/** RFC 9110 §13.1.2: does `If-None-Match` (a list, or `*`) match this ETag? Weak comparison. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  const tag = strip(etag);
  return header.split(',').some((t) => strip(t) === tag);
}

/**
 * Sets the cache headers of a public catalog read: the segment's Cache-Control (see `cacheControl`),
 * `Surrogate-Key` (Fastly, space-separated) and `Cache-Tag` (Cloudflare, comma-separated).
 * The ETag and the 304 are handled when the body is sent (`finishCacheable`).
 */
export function applyCacheHeaders(reply: FastifyReply, cacheControlHeader: string, surrogateKeys: readonly string[]): void {
  reply.header('cache-control', cacheControlHeader).header('vary', VARY);
  if (surrogateKeys.length) {
    reply.header('surrogate-key', surrogateKeys.join(' ')).header('cache-tag', surrogateKeys.join(','));
  }
}

/**
 * onSend step for cacheable 200s: adds the ETag (unless the handler set a precomputed one) and turns
 * a matching `If-None-Match` into a 304 with the same Cache-Control, ETag and Vary headers.
 */
export function finishCacheable(request: FastifyRequest, reply: FastifyReply, payload: unknown, bodyChanged: boolean): unknown {
  if (reply.statusCode !== 200 || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload;
  let etag = reply.getHeader('etag') as string | undefined;
  if (!etag || bodyChanged) {
    etag = strongEtag(payload);
    reply.header('etag', etag);
  }
  if (ifNoneMatchHits(request.headers['if-none-match'], etag)) {
    reply.code(304).removeHeader('content-type').removeHeader('content-length');
    return '';
  }
  return payload;
}

type Serialized = { body: string; etag: string };
const serialized = new WeakMap<object, Map<string, Serialized>>();

/**
 * Sends a cached response object, serialized by the route's response schema and hashed once per
 * API version, then reused for as long as the object lives (the caches drop it on writes).
 */
export function sendSerializedOnce(reply: FastifyReply, value: object, version: string): FastifyReply {
  let versions = serialized.get(value);
  if (!versions) serialized.set(value, (versions = new Map<string, Serialized>()));
  let sent = versions.get(version);
  if (!sent) {
    const out = reply.serialize(value);
    const body = typeof out === 'string' ? out : Buffer.from(out as Uint8Array).toString('utf8');
    sent = { body, etag: strongEtag(body) };
    versions.set(version, sent);
  }
  // A string payload is sent as is: Fastify does not serialize it again.
  return reply.header('etag', sent.etag).type('application/json; charset=utf-8').send(sent.body);
}

/**
 * An `onRequest` hook for private resources (carts, orders): `Cache-Control: private, no-store`
 * on every answer, errors included, so no shared cache or browser keeps them.
 * @example app.addHook('onRequest', privateNoStore);
 */
export function privateNoStore(_request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  reply.header('cache-control', 'private, no-store');
  done();
}
