import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { isForbiddenAddress, resolveAll } from './webhooks.ssrf.js';

export interface SendOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  /** Whether loopback and private addresses may be reached (test mode only). */
  allowPrivate: boolean;
}

export interface SendResult {
  /** The HTTP status, or null when no answer came (refused, timed out, forbidden address). */
  status: number | null;
  latencyMs: number;
  retryAfter: string | undefined;
  error: string | null;
}

// Keep-alive pools: a busy endpoint gets many deliveries a second, each a new TLS handshake
// otherwise. As many idle sockets are kept as may be busy, so a pass's connections are reused by
// the next instead of closed and opened again.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 }),
};

/**
 * POSTs one delivery. Never throws: every failure is a result. Redirects are not followed (a 3xx
 * is a failure, as Standard Webhooks says). The response body is read up to `maxResponseBytes`
 * and dropped. Outside test mode, the host's addresses are resolved and checked first and the
 * request goes to the checked address, so DNS cannot swap in a private one in between (rebinding).
 */
export async function send(url: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const done = (status: number | null, retryAfter: string | undefined, error: string | null): SendResult => ({
    status,
    latencyMs: Math.round(performance.now() - started),
    retryAfter,
    error,
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return done(null, undefined, 'invalid_url');
  }
  const secure = target.protocol === 'https:';
  let connectHost: string | undefined;
  if (!options.allowPrivate) {
    try {
      const addresses = await resolveAll(target.hostname);
      const bad = addresses.find(isForbiddenAddress);
      if (bad) return done(null, undefined, `forbidden_address: ${target.hostname} resolves to ${bad}`);
      connectHost = addresses[0];
    } catch (err) {
      return done(null, undefined, `dns: ${(err as Error).message}`);
    }
  }
  return new Promise<SendResult>((resolve) => {
    const req = (secure ? https : http).request(
      {
        protocol: target.protocol,
        host: connectHost ?? target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || (secure ? 443 : 80),
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        agent: secure ? agents['https:'] : agents['http:'],
        // SNI names the host, never an IP literal
        servername: secure && connectHost && !net.isIP(target.hostname.replace(/^\[|\]$/g, '')) ? target.hostname : undefined,
        headers: { ...headers, host: target.host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Tessera-Webhooks/1' },
        timeout: options.timeoutMs,
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > options.maxResponseBytes) res.destroy();
        });
        const finish = () => {
          const ra: string | undefined = res.headers['retry-after'];
          resolve(done(res.statusCode ?? null, ra, null));
        };
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    const deadline = setTimeout(() => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)));
    req.on('error', (err) => resolve(done(null, undefined, err.message)));
    req.end(body);
  });
}
