import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { send, type SendOptions } from './webhooks.sender.js';

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  url: string;
  port: number;
  received: Received[];
  connections: number;
}

const servers: http.Server[] = [];

/** A server on 127.0.0.1 that records every request it fully reads, then lets `answer` reply. */
async function startServer(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
  const state = { received: [] as Received[], connections: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(req, res);
    });
  });
  server.on('connection', () => {
    state.connections += 1;
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get received() {
      return state.received;
    },
    get connections() {
      return state.connections;
    },
  };
}

async function closeServer(server: http.Server): Promise<void> {
  // The sender keeps connections alive; close them or close() waits for them.
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map(closeServer));
});

const options: SendOptions = { timeoutMs: 5_000, maxResponseBytes: 64 * 1024, allowPrivate: true };

describe('send', () => {
  it('returns the status and the latency of a 200', async () => {
    const server = await startServer((_req, res) => setTimeout(() => res.end('ok'), 50));
    const result = await send(`${server.url}/hooks`, {}, '{}', options);
    expect(result).toMatchObject({ status: 200, error: null, retryAfter: undefined });
    expect(result.latencyMs).toBeGreaterThanOrEqual(40);
    expect(result.latencyMs).toBeLessThan(2_000);
  });

  it('POSTs the exact body as JSON with the given headers', async () => {
    const server = await startServer((_req, res) => res.writeHead(204).end());
    const body = JSON.stringify({ id: 'evt_1', type: 'order.created', data: { object: { note: 'café ☕' } } });
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,abc=' };
    const result = await send(`${server.url}/hooks/in?x=1`, headers, body, options);
    expect(result.status).toBe(204);
    expect(server.received).toHaveLength(1);
    const [req] = server.received;
    expect(req).toMatchObject({ method: 'POST', url: '/hooks/in?x=1', body });
    expect(req!.headers).toMatchObject({ ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    expect(req!.headers.host).toBe(`127.0.0.1:${server.port}`);
  });

  it('returns Retry-After as sent', async () => {
    const server = await startServer((_req, res) => res.writeHead(503, { 'retry-after': '7' }).end());
    const result = await send(server.url, {}, '{}', options);
    expect(result).toMatchObject({ status: 503, retryAfter: '7', error: null });
  });

  it('returns a 302 as it is and does not follow it', async () => {
    const target = await startServer((_req, res) => res.end('ok'));
    const server = await startServer((_req, res) => res.writeHead(302, { location: `${target.url}/elsewhere` }).end());
    const result = await send(server.url, {}, '{}', options);
    expect(result.status).toBe(302);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.received).toHaveLength(1);
    expect(target.received).toHaveLength(0);
    expect(target.connections).toBe(0);
  });

  it('gives up on a server that never answers after about timeoutMs', async () => {
    const server = await startServer(() => undefined);
    const started = Date.now();
    const result = await send(server.url, {}, '{}', { ...options, timeoutMs: 200 });
    const elapsed = Date.now() - started;
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/time/i);
    expect(server.received).toHaveLength(1);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('stops reading a response that never ends once past maxResponseBytes', async () => {
    let written = 0;
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        let more = true;
        while (more && !res.destroyed) {
          more = res.write(chunk);
          written += chunk.length;
        }
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const started = Date.now();
    // A long timeout, so only the size limit can end this.
    const result = await send(server.url, {}, '{}', { ...options, timeoutMs: 30_000, maxResponseBytes: 64 * 1024 });
    expect(result.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(written).toBeGreaterThan(64 * 1024);
  });

  it('reports a refused connection as an error without a status', async () => {
    const server = await startServer(() => undefined);
    await closeServer(servers.pop()!);
    const result = await send(server.url, {}, '{}', options);
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('refuses a private address outside test mode without sending anything', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    for (const url of [server.url, `http://localhost:${server.port}`]) {
      const result = await send(url, {}, '{}', { ...options, allowPrivate: false });
      expect(result.status).toBeNull();
      expect(result.error).toMatch(/^forbidden_address/);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.received).toHaveLength(0);
    expect(server.connections).toBe(0);
  });

  it('reports an unreadable URL', async () => {
    expect(await send('not a url', {}, '{}', options)).toMatchObject({ status: null, error: 'invalid_url' });
  });
});
